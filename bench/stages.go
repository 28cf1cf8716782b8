package bench

import (
	"bufio"
	stdgzip "compress/gzip"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"runtime"

	ionlib "github.com/amazon-ion/ion-go/ion"
	kgzip "github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/ddbexport/ddbexport/codec"
)

// Kind sorts stages: the machine's limits, the baselines a Go user would
// write, and ddbexport's own commands.
type Kind string

const (
	KindLimit     Kind = "limit"
	KindBaseline  Kind = "baseline"
	KindDdbexport Kind = "ddbexport"
)

// Stage names.
const (
	StageRead          = "read"          // stored bytes read
	StageMD5           = "md5"           // MD5 of the stored bytes
	StageGunzip        = "gunzip"        // klauspost gunzip
	StageGunzipStd     = "gunzip-std"    // compress/gzip
	StageGunzipMD5     = "gunzip+md5"    // klauspost gunzip, MD5 of the stored bytes teed in: the limit
	StageIgzip         = "igzip"         // igzip -d (ISA-L), where installed
	StageBaselineJSON  = "baseline-json" // encoding/json into map[string]any per line
	StageBaselineIonGo = "baseline-ion-go"
	StageQuick         = "verify-quick" // verify --quick
	StageVerify        = "verify"       // verify
	StageConvert       = "convert"      // convert --to the other export format
	StageParquet       = "parquet"      // convert --to parquet --schema FILE: one pass
	StageParquetInfer  = "parquet-infer"
)

// A Stage is one thing measured on an export.
type Stage struct {
	Name string
	Kind Kind
	// Desc says what the stage does, for people.
	Desc string
	// Limit names the limit stage that bounds this one ("" for a limit).
	Limit string
	// Format is the only source format the stage applies to, or
	// FormatUnknown for any.
	Format codec.Format
	// Check is what the stage's count is checked against: "stored",
	// "uncompressed" or "items".
	Check string
	run   func(ctx context.Context, e *Export, workers int) (counts, error)
	// avail, if set, says why the stage cannot run here ("" if it can).
	avail func() string
}

// counts are what one run of a stage read.
type counts struct {
	n     int64 // stored bytes, uncompressed bytes or items, as Check says
	child bool  // the work was done by child processes (igzip)
}

var stages = []*Stage{
	{Name: StageRead, Kind: KindLimit, Check: "stored", Desc: "read the stored bytes (256 KiB reads)", run: runRead},
	{Name: StageMD5, Kind: KindLimit, Check: "stored", Desc: "MD5 of the stored bytes", run: runMD5},
	{Name: StageGunzip, Kind: KindLimit, Check: "uncompressed", Desc: "klauspost/compress gunzip", run: runGunzip(false, false)},
	{Name: StageGunzipStd, Kind: KindLimit, Check: "uncompressed", Desc: "compress/gzip gunzip", run: runGunzip(true, false)},
	{Name: StageIgzip, Kind: KindLimit, Check: "uncompressed", Desc: "igzip -d (ISA-L), one process per file", run: runIgzip, avail: igzipAvail},
	{Name: StageGunzipMD5, Kind: KindLimit, Check: "uncompressed", Desc: "klauspost gunzip with the MD5 of the stored bytes teed in: the limit", run: runGunzip(false, true)},
	{Name: StageBaselineJSON, Kind: KindBaseline, Limit: StageGunzipMD5, Format: codec.FormatDynamoDBJSON, Check: "items",
		Desc: "klauspost gunzip + bufio lines + encoding/json into map[string]any", run: runBaselineJSON},
	{Name: StageBaselineIonGo, Kind: KindBaseline, Limit: StageGunzipMD5, Format: codec.FormatION, Check: "items",
		Desc: "klauspost gunzip + bufio + ion-go's reader walking every value", run: runBaselineIonGo},
	{Name: StageQuick, Kind: KindDdbexport, Limit: StageGunzipMD5, Check: "items", Desc: "verify --quick: MD5, gunzip, record framing", run: runVerify(true)},
	{Name: StageVerify, Kind: KindDdbexport, Limit: StageGunzipMD5, Check: "items", Desc: "verify: MD5, gunzip, every record decoded and validated", run: runVerify(false)},
	{Name: StageConvert, Kind: KindDdbexport, Limit: StageGunzipMD5, Check: "items", Desc: "convert --to the other export format (DYNAMODB_JSON↔ION), verifying", run: runConvert},
	{Name: StageParquet, Kind: KindDdbexport, Limit: StageGunzipMD5, Check: "items", Desc: "convert --to parquet --schema FILE: one pass", run: runParquet(false)},
	{Name: StageParquetInfer, Kind: KindDdbexport, Limit: StageGunzipMD5, Check: "items", Desc: "convert --to parquet, schema inferred: two passes", run: runParquet(true)},
}

// Stages returns every stage, in the order of the report.
func Stages() []*Stage { return stages }

// LookupStage returns the stage named name.
func LookupStage(name string) (*Stage, bool) {
	for _, s := range stages {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Applies reports whether the stage runs on an export of format f.
func (s *Stage) Applies(f codec.Format) bool {
	return s.Format == codec.FormatUnknown || s.Format == f
}

// Unavailable says why the stage cannot run on this machine, or "".
func (s *Stage) Unavailable() string {
	if s.avail == nil {
		return ""
	}
	return s.avail()
}

// eachFile calls fn for every data file of e, workers files at once, and
// sums what fn returns. Each worker has its own state.
func eachFile(ctx context.Context, e *Export, workers int, fn func(st *fileState, r io.Reader) (int64, error)) (counts, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	states := make(chan *fileState, workers)
	for range workers {
		states <- &fileState{buf: make([]byte, 256<<10)}
	}
	sums := make([]int64, len(e.Keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, key := range e.Keys {
		g.Go(func() error {
			st := <-states
			defer func() { states <- st }()
			rc, err := e.Store.Open(gctx, key)
			if err != nil {
				return err
			}
			defer rc.Close()
			n, err := fn(st, rc)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			sums[i] = n
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return counts{}, err
	}
	var c counts
	for _, n := range sums {
		c.n += n
	}
	return c, nil
}

// fileState is one worker's reusable state.
type fileState struct {
	buf  []byte
	md5  hash.Hash
	br   *bufio.Reader // under the gzip reader
	kz   *kgzip.Reader
	sz   *stdgzip.Reader
	line *bufio.Reader // over the gzip reader (baselines)
}

func (st *fileState) hash() hash.Hash {
	if st.md5 == nil {
		st.md5 = md5.New()
	}
	st.md5.Reset()
	return st.md5
}

// drain reads r to its end into st.buf and returns the bytes read.
func (st *fileState) drain(r io.Reader) (int64, error) {
	var n int64
	for {
		k, err := r.Read(st.buf)
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func runRead(ctx context.Context, e *Export, workers int) (counts, error) {
	return eachFile(ctx, e, workers, func(st *fileState, r io.Reader) (int64, error) { return st.drain(r) })
}

func runMD5(ctx context.Context, e *Export, workers int) (counts, error) {
	return eachFile(ctx, e, workers, func(st *fileState, r io.Reader) (int64, error) {
		h := st.hash()
		n, err := st.drain(io.TeeReader(r, h))
		h.Sum(nil)
		return n, err
	})
}

// gunzipReader returns a gunzip reader of r, reusing st's buffers: the
// stored bytes are read in 256 KiB, as the pipeline reads them.
func (st *fileState) gunzip(r io.Reader, std bool) (io.Reader, error) {
	if st.br == nil {
		st.br = bufio.NewReaderSize(r, 256<<10)
	} else {
		st.br.Reset(r)
	}
	var err error
	if std {
		if st.sz == nil {
			st.sz, err = stdgzip.NewReader(st.br)
		} else {
			err = st.sz.Reset(st.br)
		}
		return st.sz, err
	}
	if st.kz == nil {
		st.kz, err = kgzip.NewReader(st.br)
	} else {
		err = st.kz.Reset(st.br)
	}
	return st.kz, err
}

func runGunzip(std, withMD5 bool) func(ctx context.Context, e *Export, workers int) (counts, error) {
	return func(ctx context.Context, e *Export, workers int) (counts, error) {
		return eachFile(ctx, e, workers, func(st *fileState, r io.Reader) (int64, error) {
			var h hash.Hash
			if withMD5 {
				h = st.hash()
				r = io.TeeReader(r, h)
			}
			zr, err := st.gunzip(r, std)
			if err != nil {
				return 0, err
			}
			n, err := st.drain(zr)
			if err != nil {
				return n, err
			}
			if h != nil {
				// Hash what follows the gzip stream too, as verify does.
				if _, err := io.Copy(io.Discard, r); err != nil {
					return n, err
				}
				h.Sum(nil)
			}
			return n, nil
		})
	}
}

func igzipAvail() string {
	if _, err := exec.LookPath("igzip"); err != nil {
		return "igzip not found: install the Debian package isal"
	}
	return ""
}

// runIgzip pipes each stored file through igzip -d, one process per file.
// Its peak RSS is not known: a child's ru_maxrss counts the parent's pages
// up to its exec.
func runIgzip(ctx context.Context, e *Export, workers int) (counts, error) {
	c, err := eachFile(ctx, e, workers, func(st *fileState, r io.Reader) (int64, error) {
		cmd := exec.CommandContext(ctx, "igzip", "-d", "-c")
		cmd.Stdin = r
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		n, derr := st.drain(out)
		if err := cmd.Wait(); err != nil {
			return n, err
		}
		return n, derr
	})
	c.child = true
	return c, err
}

// lineReader returns a bufio line reader over the gunzipped content of r.
func (st *fileState) lineReader(r io.Reader) (*bufio.Reader, error) {
	zr, err := st.gunzip(r, false)
	if err != nil {
		return nil, err
	}
	if st.line == nil {
		st.line = bufio.NewReaderSize(zr, 1<<20)
	} else {
		st.line.Reset(zr)
	}
	return st.line, nil
}

// runBaselineJSON is what a Go user would write: gunzip, a bufio line
// reader, encoding/json into a map[string]any per line.
func runBaselineJSON(ctx context.Context, e *Export, workers int) (counts, error) {
	return eachFile(ctx, e, workers, func(st *fileState, r io.Reader) (int64, error) {
		br, err := st.lineReader(r)
		if err != nil {
			return 0, err
		}
		var items int64
		var long []byte
		for {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) {
				long = append(long, line...)
				continue
			}
			if long != nil {
				line = append(long, line...)
				long = nil
			}
			if len(line) > 0 {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					return items, fmt.Errorf("line %d: %w", items+1, err)
				}
				items++
			}
			if err == io.EOF {
				return items, nil
			}
			if err != nil {
				return items, err
			}
		}
	})
}

// runBaselineIonGo walks every value of each data file with ion-go's
// reader, reading each scalar.
func runBaselineIonGo(ctx context.Context, e *Export, workers int) (counts, error) {
	return eachFile(ctx, e, workers, func(st *fileState, r io.Reader) (int64, error) {
		br, err := st.lineReader(r)
		if err != nil {
			return 0, err
		}
		ir := ionlib.NewReader(br)
		n := ionWalk(ir, 0)
		return int64(n), ir.Err()
	})
}

// ionWalk walks every value of r and returns the number of top-level
// values other than version markers.
func ionWalk(r ionlib.Reader, depth int) int {
	n := 0
	for r.Next() {
		switch r.Type() {
		case ionlib.StructType, ionlib.ListType, ionlib.SexpType:
			if !r.IsNull() {
				_ = r.StepIn()
				ionWalk(r, depth+1)
				_ = r.StepOut()
			}
		case ionlib.SymbolType:
			if depth == 0 {
				continue // $ion_1_0
			}
			_, _ = r.SymbolValue()
		case ionlib.StringType:
			_, _ = r.StringValue()
		case ionlib.DecimalType:
			_, _ = r.DecimalValue()
		case ionlib.IntType:
			_, _ = r.Int64Value()
		case ionlib.FloatType:
			_, _ = r.FloatValue()
		case ionlib.TimestampType:
			_, _ = r.TimestampValue()
		case ionlib.BlobType, ionlib.ClobType:
			_, _ = r.ByteValue()
		case ionlib.BoolType:
			_, _ = r.BoolValue()
		}
		if depth == 0 {
			n++
		}
	}
	return n
}
