package pipeline

import (
	"context"
	"io"
	"sync"
	"sync/atomic"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/store"
)

// An Encoder appends one record's output to dst and returns it; it must
// not keep the record, which is valid only during the call.
type Encoder func(dst []byte, r *codec.Record) []byte

// Stream reads every task as Run does, decoding files in parallel, and
// writes what encode makes of every good record to out in task order and,
// within a file, in record order. onError, if set, is called with each bad
// record's error in that same order, between the output of the records
// around it. The Results are those of Run (Quick is ignored: every record
// is decoded).
//
// Each worker encodes into chunks of about 256 KiB and queues at most 4
// chunks ahead of the writer, so memory stays within about Workers × 1 MiB
// beyond Run's, however large the files are. The price of that bound is
// that a file more than 1 MiB of output ahead of the writer waits: small
// files are decoded in parallel, large ones mostly one after another. A
// write error of out stops the run and is returned.
func Stream(ctx context.Context, st store.Store, tasks []Task, opt Options, encode Encoder, out io.Writer, onError func(*codec.DecodeError)) ([]Result, error) {
	opt.Quick = false
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	em := &emitter{encode: encode, queues: make([]chan piece, len(tasks)), opened: make([]atomic.Bool, len(tasks))}
	for i := range em.queues {
		em.queues[i] = make(chan piece, queueChunks)
	}
	type done struct {
		results []Result
		err     error
	}
	finished := make(chan done, 1)
	go func() {
		r, err := run(ctx, st, tasks, opt, em)
		// A cancelled run leaves tasks unstarted: end their queues too.
		for i := range em.queues {
			if !em.opened[i].Load() {
				close(em.queues[i])
			}
		}
		finished <- done{r, err}
	}()
	var werr error
	for _, q := range em.queues {
		for p := range q {
			if werr != nil {
				continue // drain, so that the workers finish
			}
			if p.err != nil {
				if onError != nil {
					onError(p.err)
				}
				continue
			}
			if _, err := out.Write(p.data); err != nil {
				werr = err
				cancel()
			}
			em.release(p.data)
		}
		if werr != nil {
			break
		}
	}
	d := <-finished
	if werr != nil {
		return nil, werr
	}
	return d.results, d.err
}

const (
	chunkBytes  = 256 << 10
	queueChunks = 4
)

// A piece is one unit of a file's ordered output: encoded records, or one
// bad record's error.
type piece struct {
	data []byte
	err  *codec.DecodeError
}

type emitter struct {
	encode Encoder
	queues []chan piece
	opened []atomic.Bool
	pool   sync.Pool
}

func (e *emitter) open(ctx context.Context, i int) *queue {
	e.opened[i].Store(true)
	return &queue{ctx: ctx, em: e, ch: e.queues[i]}
}

func (e *emitter) buffer() []byte {
	if b, ok := e.pool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, chunkBytes+chunkBytes/4)
}

func (e *emitter) release(b []byte) { e.pool.Put(&b) }

// A queue is one task's side of its ordered output.
type queue struct {
	ctx   context.Context
	em    *emitter
	ch    chan piece
	chunk []byte
}

func (q *queue) add(r *codec.Record) {
	if q.chunk == nil {
		q.chunk = q.em.buffer()
	}
	q.chunk = q.em.encode(q.chunk, r)
	if len(q.chunk) >= chunkBytes {
		q.flush()
	}
}

func (q *queue) fail(e *codec.DecodeError) {
	q.flush()
	c := *e
	q.send(piece{err: &c})
}

func (q *queue) flush() {
	if len(q.chunk) > 0 {
		q.send(piece{data: q.chunk})
		q.chunk = nil
	}
}

// send queues p, or drops it once the run is cancelled.
func (q *queue) send(p piece) {
	select {
	case q.ch <- p:
	case <-q.ctx.Done():
	}
}

func (q *queue) close() {
	q.flush()
	close(q.ch)
}
