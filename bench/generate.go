package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ddbexport/ddbexport/codec"
	_ "github.com/ddbexport/ddbexport/codec/ddbjson" // registers the DYNAMODB_JSON codec
	_ "github.com/ddbexport/ddbexport/codec/ion"     // registers the ION codec
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// GenerateOptions describes the exports Generate writes.
type GenerateOptions struct {
	// Size is the uncompressed size to aim at, of the DYNAMODB_JSON data
	// (the ION data of the same items is somewhat smaller).
	Size int64
	// Shape of the items (gen.ShapeTable for a realistic table).
	Shape gen.Shape
	// Formats to write, each from the same items; nil means DYNAMODB_JSON.
	Formats []codec.Format
	// Seed of the items; 0 means 1.
	Seed int64
	// Files is the number of data files; 0 means one per 32 MiB of data,
	// at least 8 and at most 256.
	Files int
}

// A Generated export is one Generate wrote.
type Generated struct {
	Format codec.Format
	Store  store.Store
	Ref    manifest.Ref
	// Reused tells that the export was found in the folder, written by an
	// earlier Generate with the same options.
	Reused bool
}

// genParams is what a generated folder was made with: a folder holding
// the same is reused.
type genParams struct {
	Items int    `json:"items"`
	Files int    `json:"files"`
	Shape string `json:"shape"`
	Seed  int64  `json:"seed"`
	Size  int64  `json:"size"`
}

const paramsName = "bench-gen.json"

// Generate writes full exports of about opt.Size uncompressed bytes into
// dir, one per format in a folder of its own (dir/DYNAMODB_JSON,
// dir/ION), from the same items. A format's folder already written by
// Generate with the same options is reused as it is.
func Generate(ctx context.Context, dir string, opt GenerateOptions) ([]Generated, error) {
	if opt.Size <= 0 {
		return nil, fmt.Errorf("bench: generate: size %d, want more than 0", opt.Size)
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Formats == nil {
		opt.Formats = []codec.Format{codec.FormatDynamoDBJSON}
	}
	items, err := itemsFor(opt)
	if err != nil {
		return nil, err
	}
	files := opt.Files
	if files <= 0 {
		files = int(min(max(opt.Size/(32<<20), 8), 256))
	}
	p := genParams{Items: items, Files: files, Shape: opt.Shape.String(), Seed: opt.Seed, Size: opt.Size}
	want, _ := json.Marshal(p)
	var out []Generated
	for _, f := range opt.Formats {
		sub := filepath.Join(dir, f.String())
		st := localfs.New(sub)
		if have, err := os.ReadFile(filepath.Join(sub, paramsName)); err == nil && bytes.Equal(have, want) {
			refs, err := manifest.Find(ctx, st, "")
			if err == nil && len(refs) == 1 && refs[0].HasSummary {
				out = append(out, Generated{Format: f, Store: st, Ref: refs[0], Reused: true})
				continue
			}
		}
		if err := os.RemoveAll(sub); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, err
		}
		ref, _, err := gen.Write(ctx, st, gen.Options{Items: items, Files: files, Shape: opt.Shape, Seed: opt.Seed, Format: f},
			func(w io.Writer) codec.Encoder {
				enc, _ := codec.NewEncoder(f, w)
				return enc
			})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(sub, paramsName), want, 0o644); err != nil {
			return nil, err
		}
		out = append(out, Generated{Format: f, Store: st, Ref: ref})
	}
	return out, nil
}

// itemsFor estimates the items that make opt.Size bytes of DynamoDB JSON,
// from the size of the first items generated.
func itemsFor(opt GenerateOptions) (int, error) {
	const sample = 4000
	src, err := gen.NewSource(gen.Options{Items: sample, Shape: opt.Shape, Seed: opt.Seed})
	if err != nil {
		return 0, err
	}
	var cw countWriter
	enc, err := codec.NewEncoder(codec.FormatDynamoDBJSON, &cw)
	if err != nil {
		return 0, err
	}
	n := 0
	for r := range src.Records() {
		if err := enc.Encode(r); err != nil {
			return 0, err
		}
		n++
		if cw.n >= 16<<20 || cw.n >= opt.Size {
			break
		}
	}
	if err := enc.Close(); err != nil {
		return 0, err
	}
	if n == 0 || cw.n == 0 {
		return 0, fmt.Errorf("bench: generate: no items")
	}
	return int(max(1, opt.Size*int64(n)/cw.n)), nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
