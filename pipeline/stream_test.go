package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/store"
)

func encodeLine(dst []byte, r *codec.Record) []byte {
	return append(ddbjson.AppendRecord(dst, r), '\n')
}

// sequential decodes the tasks one by one, as the reference output.
func sequential(t *testing.T, st store.Store, tasks []pipeline.Task) string {
	t.Helper()
	var b []byte
	for _, task := range tasks {
		zr, err := codec.Open(bytes.NewReader(get(t, st, task.Key)))
		if err != nil {
			t.Fatal(err)
		}
		dec := ddbjson.NewDecoder(zr, codec.DecodeOptions{OnError: func(*codec.DecodeError) {}})
		for dec.Next() {
			b = encodeLine(b, dec.Record())
		}
	}
	return string(b)
}

func mustMD5(t *testing.T, task pipeline.Task) [16]byte {
	t.Helper()
	sum, err := task.File.MD5()
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestStream_orderedForAnyWorkerCount(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 500, Files: 7, Seed: 3, MaxItemBytes: 4096})
	want := sequential(t, st, tasks)
	for _, workers := range []int{1, 2, 3, 8} {
		var out bytes.Buffer
		res, err := pipeline.Stream(context.Background(), st, tasks, pipeline.Options{Workers: workers}, encodeLine, &out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("workers=%d: output differs from a sequential decode (%d vs %d bytes)", workers, out.Len(), len(want))
		}
		for i, r := range res {
			if r.Records != tasks[i].File.ItemCount || r.MD5 != mustMD5(t, tasks[i]) {
				t.Errorf("workers=%d: result %d: %d records, MD5 ok %v", workers, i, r.Records, r.MD5 == mustMD5(t, tasks[i]))
			}
		}
	}
}

func TestStream_errorsInOrder(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 1, Files: 1, Seed: 4})
	data := "{\"Item\":{\"a\":{\"S\":\"1\"}}}\n{\"Item\":{\"a\":{\"Q\":\"2\"}}}\n{\"Item\":{\"a\":{\"S\":\"3\"}}}\n"
	tasks = append(tasks[:0],
		fileTask(t, st, "x/one.json.gz", gz(t, data), 3),
		fileTask(t, st, "x/two.json.gz", gz(t, data), 3))
	var out bytes.Buffer
	var log []string
	_, err := pipeline.Stream(context.Background(), st, tasks, pipeline.Options{Workers: 2}, func(dst []byte, r *codec.Record) []byte {
		return append(append(dst, r.Item[0].Str...), '\n')
	}, &out, func(e *codec.DecodeError) {
		log = append(log, fmt.Sprintf("%s after %q", e.File, out.String()))
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n3\n1\n3\n" {
		t.Errorf("output %q", out.String())
	}
	want := []string{`x/one.json.gz after "1\n"`, `x/two.json.gz after "1\n3\n1\n"`}
	if strings.Join(log, "|") != strings.Join(want, "|") {
		t.Errorf("errors %q, want %q", log, want)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n > 2 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestStream_writeErrorStops(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 1500, Files: 6, Seed: 5, MaxItemBytes: 4096})
	done := make(chan error, 1)
	go func() {
		_, err := pipeline.Stream(context.Background(), st, tasks, pipeline.Options{Workers: 2}, encodeLine, &failWriter{}, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || err.Error() != "disk full" {
			t.Errorf("err %v, want the write error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Stream did not return after a write error")
	}
}

func TestStream_cancelled(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 300, Files: 8, Seed: 6, MaxItemBytes: 1024})
	slow := &slowStore{Store: st, reading: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := pipeline.Stream(ctx, slow, tasks, pipeline.Options{Workers: 2}, encodeLine, &bytes.Buffer{}, nil)
		done <- err
	}()
	<-slow.reading
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Stream did not return after cancel")
	}
}

type recordingSink struct {
	lines  *[]string
	failAt int
	closed *int
}

func (s recordingSink) Write(r *codec.Record) error {
	if len(*s.lines) == s.failAt {
		return errors.New("sink full")
	}
	*s.lines = append(*s.lines, string(ddbjson.AppendRecord(nil, r)))
	return nil
}

func (s recordingSink) Close() error { *s.closed++; return nil }

func TestRun_sink(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 300, Files: 4, Seed: 8, MaxItemBytes: 2048})
	want := sequential(t, st, tasks)
	perFile := make([][]string, len(tasks))
	closed := make([]int, len(tasks))
	index := map[string]int{}
	for i, task := range tasks {
		index[task.Key] = i
	}
	_, err := pipeline.Run(context.Background(), st, tasks, pipeline.Options{Workers: 3, Quick: true,
		Sink: func(task *pipeline.Task) (pipeline.RecordSink, error) {
			i := index[task.Key]
			return recordingSink{lines: &perFile[i], failAt: -1, closed: &closed[i]}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for i := range perFile {
		for _, l := range perFile[i] {
			got.WriteString(l + "\n")
		}
		if closed[i] != 1 {
			t.Errorf("file %d: sink closed %d times", i, closed[i])
		}
	}
	if got.String() != want {
		t.Error("the sinks did not get every record in order (Quick must not skip decoding when a sink is set)")
	}
	_, err = pipeline.Run(context.Background(), st, tasks, pipeline.Options{Workers: 2,
		Sink: func(*pipeline.Task) (pipeline.RecordSink, error) {
			return recordingSink{lines: new([]string), failAt: 5, closed: new(int)}, nil
		}})
	if err == nil || !strings.Contains(err.Error(), "sink full") {
		t.Errorf("a sink error: Run = %v", err)
	}
}
