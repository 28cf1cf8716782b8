package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

// shardsDir holds, in a sharded Parquet output, one folder per shard with
// what the shard's writer keeps beside its files: its schema, its _parts/
// records while it runs, its manifest and _SUCCESS when it is done.
const shardsDir = "_shards/"

// shardDir is the folder of shard sh in shardsDir.
func shardDir(sh verify.Shard) string {
	return fmt.Sprintf("%s%05d-of-%05d/", shardsDir, sh.Index, sh.Count)
}

// shardFilePrefix replaces "part-" in the names of shard sh's Parquet
// files, so that shards never write the same name: part-s00003of00007-00000.parquet.
func shardFilePrefix(sh verify.Shard) string {
	return fmt.Sprintf("part-s%05dof%05d-", sh.Index, sh.Count)
}

// A shardStore is the output folder as one shard's Parquet writer sees
// it: its part-N.parquet files are the shard's own names in the folder,
// everything else (schema, _parts/, manifest, _SUCCESS) is in the shard's
// folder under _shards/. The writer, and --resume, then see only their
// shard's output, and the shards' files sit side by side in the folder.
type shardStore struct {
	st    store.Store
	dir   string // shardDir
	files string // shardFilePrefix
}

func newShardStore(st store.Store, sh verify.Shard) *shardStore {
	return &shardStore{st: st, dir: shardDir(sh), files: shardFilePrefix(sh)}
}

func (s *shardStore) real(key string) string {
	if rest, ok := strings.CutPrefix(key, "part-"); ok && !strings.Contains(key, "/") {
		return s.files + rest
	}
	return s.dir + key
}

func (s *shardStore) Stat(ctx context.Context, key string) (store.Object, error) {
	o, err := s.st.Stat(ctx, s.real(key))
	o.Key = key
	return o, err
}

func (s *shardStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.st.Open(ctx, s.real(key))
}

func (s *shardStore) Create(ctx context.Context, key string) (store.Writer, error) {
	return s.st.Create(ctx, s.real(key))
}

func (s *shardStore) Remove(ctx context.Context, key string) error {
	return s.st.Remove(ctx, s.real(key))
}

func (s *shardStore) String() string { return s.st.String() }

// List yields the shard's folder's objects (names starting with "_"),
// then its Parquet files ("part-…"): in lexicographic order, as "_" sorts
// before "p".
func (s *shardStore) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		for _, src := range []struct{ under, as string }{{s.dir, ""}, {s.files, "part-"}} {
			for o, err := range s.st.List(ctx, src.under) {
				if err != nil {
					yield(store.Object{}, err)
					return
				}
				o.Key = src.as + strings.TrimPrefix(o.Key, src.under)
				if !strings.HasPrefix(o.Key, prefix) {
					continue
				}
				if !yield(o, nil) {
					return
				}
			}
		}
	}
}

func newConvertFinalizeCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "finalize OUT",
		Short: "Complete a sharded Parquet conversion once every shard is done",
		Long: `finalize completes the Parquet output of convert --to parquet --shard i/N
in OUT (a folder or s3://BUCKET/PREFIX) once every shard has run: it checks
that each of the N shards finished (_shards/<i>-of-<N>/_SUCCESS), that they
converted one export with one schema, that no source data file was
converted by two shards, that every shard's Parquet file is there at its
size, and that the rows add up to the export's item count; then it writes
_schema.json, _manifest.json (every shard's files) and _SUCCESS, last. It
changes nothing when a check fails (exit status 2), and a finalized output
is left as it is.`,
		Example: "  ddbexport convert finalize s3://lake/orders/",
		Args:    oneArg("OUT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := args[0]
			st, err := openStore(ctx, out)
			if err != nil {
				return err
			}
			if _, err := st.Stat(ctx, parquet.SuccessName); err == nil {
				fmt.Fprintf(stdout, "%s is already complete (it has %s)\n", out, parquet.SuccessName)
				return nil
			}
			m, schema, err := collectShards(ctx, st, out)
			if err != nil {
				return err
			}
			if err := putObject(cmd, st, parquet.SchemaName, schema); err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			b, _ := json.MarshalIndent(m, "", "  ")
			if err := putObject(cmd, st, parquet.ManifestName, append(b, '\n')); err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			if err := putObject(cmd, st, parquet.SuccessName, nil); err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			var size int64
			for _, f := range m.Files {
				size += f.Bytes
			}
			_, err = fmt.Fprintf(stdout, "finalized the Parquet output of export %s: %d rows in %d files, %s\n  %s\n",
				m.Source.ExportArn, m.Rows, len(m.Files), humanize.IBytes(uint64(size)), joinPath(out, parquet.ManifestName))
			return err
		},
	}
}

// collectShards reads and checks the shards of a sharded output, and
// returns the output's manifest and schema file.
func collectShards(ctx context.Context, st store.Store, out string) (*parquet.Manifest, []byte, error) {
	refuse := func(format string, args ...any) error {
		return usageErrorf("%s: not finalized: %s", out, fmt.Sprintf(format, args...))
	}
	done := map[verify.Shard]bool{}
	seen := map[verify.Shard]bool{}
	count := 0
	for o, err := range st.List(ctx, shardsDir) {
		if err != nil {
			return nil, nil, &exitError{code: exitCannotCheck, err: err}
		}
		dir, name, _ := strings.Cut(strings.TrimPrefix(o.Key, shardsDir), "/")
		var sh verify.Shard
		if _, err := fmt.Sscanf(dir, "%05d-of-%05d", &sh.Index, &sh.Count); err != nil || dir != strings.TrimSuffix(shardDir(sh)[len(shardsDir):], "/") || sh.Count < 1 || sh.Index >= sh.Count {
			return nil, nil, refuse("%s%s is not a shard's folder", shardsDir, dir)
		}
		if count != 0 && sh.Count != count {
			return nil, nil, refuse("it holds shards of %d and of %d: the output of two sharded runs", count, sh.Count)
		}
		count = sh.Count
		seen[sh] = true
		if name == parquet.SuccessName {
			done[sh] = true
		}
	}
	if count == 0 {
		return nil, nil, refuse("no %s folder: not the output of convert --to parquet --shard", strings.TrimSuffix(shardsDir, "/"))
	}
	var missing []string
	for i := range count {
		sh := verify.Shard{Index: i, Count: count}
		switch {
		case !seen[sh]:
			missing = append(missing, sh.String()+" (not started)")
		case !done[sh]:
			missing = append(missing, sh.String()+" (not finished)")
		}
	}
	if len(missing) > 0 {
		return nil, nil, refuse("shard %s: run them, then finalize again", strings.Join(missing, ", "))
	}
	var (
		m      = &parquet.Manifest{Version: parquet.ManifestVersion}
		schema []byte
		first  *parquet.Schema
		inputs = map[string]verify.Shard{} // source data file → its shard
	)
	for i := range count {
		sh := verify.Shard{Index: i, Count: count}
		dir := shardDir(sh)
		raw, err := store.ReadAll(ctx, st, dir+parquet.ManifestName, 1<<30)
		if err != nil {
			return nil, nil, &exitError{code: exitCannotCheck, err: err}
		}
		var sm parquet.Manifest
		if err := json.Unmarshal(raw, &sm); err != nil || sm.Version != parquet.ManifestVersion {
			return nil, nil, refuse("%s%s is not a manifest of this tool (%v)", dir, parquet.ManifestName, err)
		}
		rawSchema, err := store.ReadAll(ctx, st, dir+parquet.SchemaName, 64<<20)
		if err != nil {
			return nil, nil, &exitError{code: exitCannotCheck, err: err}
		}
		s, err := parquet.ReadSchema(bytes.NewReader(rawSchema))
		if err != nil {
			return nil, nil, refuse("%s%s: %v", dir, parquet.SchemaName, err)
		}
		if i == 0 {
			m.Source, schema, first = sm.Source, rawSchema, s
		} else {
			if sm.Source != m.Source {
				return nil, nil, refuse("shard %s converted export %s, shard 0/%d export %s: not one export", sh, sm.Source.ExportArn, count, m.Source.ExportArn)
			}
			if !s.Equal(first) {
				return nil, nil, refuse("shard %s wrote another schema than shard 0/%d", sh, count)
			}
		}
		for _, f := range sm.Files {
			name := shardFilePrefix(sh) + strings.TrimPrefix(f.Path, "part-")
			o, err := st.Stat(ctx, name)
			switch {
			case errors.Is(err, store.ErrNotExist):
				return nil, nil, refuse("%s, of shard %s, is missing", name, sh)
			case err != nil:
				return nil, nil, &exitError{code: exitCannotCheck, err: err}
			case o.Size != f.Bytes:
				return nil, nil, refuse("%s, of shard %s, has %d bytes; its manifest says %d", name, sh, o.Size, f.Bytes)
			}
			for _, in := range f.Inputs {
				if other, ok := inputs[in.File]; ok && other != sh {
					return nil, nil, refuse("data file %s was converted by shards %s and %s", in.File, other, sh)
				}
				inputs[in.File] = sh
			}
			f.Path = name
			m.Files = append(m.Files, f)
			m.Rows += f.Rows
		}
	}
	if m.Rows != m.Source.ItemCount {
		return nil, nil, refuse("the shards' rows add up to %d; the export has %d items", m.Rows, m.Source.ItemCount)
	}
	slices.SortFunc(m.Files, func(a, b parquet.OutputFile) int { return strings.Compare(a.Path, b.Path) })
	return m, schema, nil
}
