package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

// An Export is one export to measure: where it is, its data files, and
// its totals (learnt by a verify --quick pass when it is opened, which
// also brings it into the page cache of a local store).
type Export struct {
	Store   store.Store
	Ref     manifest.Ref
	Summary *manifest.Summary
	Format  codec.Format
	// Keys are the store keys of the data files, in manifest order, each
	// once.
	Keys []string
	// Totals of the data files: stored and uncompressed bytes, records.
	StoredBytes       int64
	UncompressedBytes int64
	Items             int64
	// TempDir is where stages write their output (conversions, Parquet):
	// a folder of its own is made in it per run, and removed after.
	TempDir string

	schemaOnce sync.Once
	schema     []byte // the inferred schema, as a schema file, for StageParquet
	schemaErr  error
}

// Open reads the manifests of the export ref in st and verifies it once
// (quick: MD5s and record counts) to learn its totals. An export with
// findings is an error: its figures would not mean anything. tempDir is
// for the stages' output; "" means os.TempDir().
func Open(ctx context.Context, st store.Store, ref manifest.Ref, tempDir string) (*Export, error) {
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	e := &Export{Store: st, Ref: ref, TempDir: tempDir}
	if !ref.HasSummary {
		return nil, fmt.Errorf("%s: no %s: the export did not finish", ref, manifest.SummaryName)
	}
	raw, err := store.ReadAll(ctx, st, ref.Key(manifest.SummaryName), manifest.MaxSummaryBytes)
	if err != nil {
		return nil, err
	}
	if e.Summary, err = manifest.ParseSummary(ref.Key(manifest.SummaryName), raw); err != nil {
		return nil, err
	}
	e.Format = e.Summary.Format()
	filesKey := ref.Key(manifest.FilesName)
	if k, err := ref.Resolve(e.Summary, e.Summary.ManifestFilesS3Key); err == nil && e.Summary.ManifestFilesS3Key != "" {
		filesKey = k
	}
	files, bad, _, err := manifest.ReadFiles(ctx, st, filesKey)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: %v", filesKey, bad[0])
	}
	seen := map[string]bool{}
	for _, f := range files {
		k, err := ref.Resolve(e.Summary, f.DataFileS3Key)
		if err != nil {
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			e.Keys = append(e.Keys, k)
		}
	}
	rep, err := verify.Verify(ctx, st, ref, verify.Options{Quick: true})
	if err != nil {
		return nil, err
	}
	if rep.ExitCode() != verify.ExitIntact {
		return nil, fmt.Errorf("%s does not verify (%s, %d findings, %d errors): run ddbexport verify on it", ref, rep.Status, len(rep.Findings), len(rep.Errors))
	}
	e.StoredBytes, e.UncompressedBytes, e.Items = rep.Totals.StoredBytes, rep.Totals.UncompressedBytes, rep.Totals.Items
	return e, nil
}

// tempOut makes a new empty folder for one run's output.
func (e *Export) tempOut(name string) (string, error) {
	if err := os.MkdirAll(e.TempDir, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(e.TempDir, "ddbexport-bench-"+name+"-")
}

var errCount = errors.New("bench: the stage did not read the whole export")
