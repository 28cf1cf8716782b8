package s3

import (
	"context"
	"errors"
	"io"
	"sync"
)

// parallel reports whether Open reads an object of size bytes in chunks.
func (s *Store) parallel(size int64) bool {
	o := &s.opt
	return o.ParallelThreshold >= 0 && o.Parallel > 1 && size > o.ParallelThreshold && size > o.ChunkSize
}

// A parallelReader reads a large object as chunks of Options.ChunkSize.
// Each chunk is a reader of its byte range, so it resumes after faults,
// pinned to the first response's ETag, exactly as a whole-object read
// does; a goroutine of its own fetches it into a buffer, Options.Parallel
// chunks at a time, the one being read included, and the caller reads
// the buffers strictly in order. Chunk 0 is the start of the first
// response's body, which gave the size and ETag; that body is dropped
// after it. Once the caller has read a chunk, its buffer goes to the
// chunk Parallel further on, so an object holds at most Parallel ×
// ChunkSize bytes.
//
// A chunk's error (the object changed: ErrChanged; faults past the retry
// budget; a cancelled context) is returned after the bytes of the chunks
// before it, at the byte where a whole-object read would return it. The
// end, an error and Close cancel the chunks in flight and wait for their
// goroutines.
type parallelReader struct {
	s      *Store
	key    string
	etag   string // quoted, as S3 sends it
	size   int64
	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc
	n      int // chunks in the object
	next   int // the next chunk to start
	cur    int // the next chunk to read
	slots  []*chunk
	held   *[]byte // the buffer of the chunk being read
	buf    []byte  // its unread bytes
	wg     sync.WaitGroup
	err    error
	done   bool  // stop was called
	gate   *gate // throttling of any chunk holds back all of them
}

// A chunk is one range of the object, fetched by its goroutine; n and err
// are set when done is closed.
type chunk struct {
	done chan struct{}
	buf  *[]byte
	n    int
	err  error
}

// openParallel reads in chunks the object that first has just opened
// (nothing read yet).
func (s *Store) openParallel(first *reader) *parallelReader {
	ctx, cancel := context.WithCancel(first.ctx)
	cs := s.opt.ChunkSize
	p := &parallelReader{
		s:      s,
		key:    first.key,
		etag:   first.etag,
		size:   first.size,
		ctx:    ctx,
		cancel: cancel,
		n:      int((first.size + cs - 1) / cs),
		slots:  make([]*chunk, s.opt.Parallel),
		gate:   new(gate),
	}
	first.gate = p.gate
	// Chunk 0 is read from the first body, whose request is not under
	// ctx: ctx's end must end it too.
	first.end = min(cs, first.size)
	first.ctx = ctx
	unhook := context.AfterFunc(ctx, first.cancel)
	p.start(first, func() { unhook() })
	for p.next < min(p.n, len(p.slots)) {
		p.start(nil, nil)
	}
	return p
}

// start fetches chunk p.next into a buffer with rd (nil: a new reader of
// the chunk's range), then runs after (if not nil).
func (p *parallelReader) start(rd *reader, after func()) {
	i := p.next
	p.next++
	if rd == nil {
		off := int64(i) * p.s.opt.ChunkSize
		rd = &reader{s: p.s, ctx: p.ctx, key: p.key, etag: p.etag, size: p.size,
			off: off, end: min(off+p.s.opt.ChunkSize, p.size), gate: p.gate}
	}
	buf := p.held
	p.held = nil
	if buf == nil {
		buf = p.s.getChunk()
	}
	c := &chunk{done: make(chan struct{}), buf: buf}
	p.slots[i%len(p.slots)] = c
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(c.done)
		c.n, c.err = io.ReadFull(rd, (*buf)[:rd.end-rd.off])
		rd.Close()
		if after != nil {
			after()
		}
	}()
}

// Read implements io.Reader.
func (p *parallelReader) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if len(b) == 0 {
			return 0, nil
		}
		p.advance()
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// advance moves to the next chunk, once the caller has read the current
// one: its buffer goes to the next chunk to start, then the caller waits
// for chunk p.cur.
func (p *parallelReader) advance() {
	if p.held != nil && p.next < p.n {
		p.start(nil, nil)
	}
	if p.cur == p.n {
		p.stop(io.EOF)
		return
	}
	i := p.cur % len(p.slots)
	c := p.slots[i]
	<-c.done
	p.slots[i] = nil
	if p.held != nil {
		p.s.chunks.Put(p.held)
	}
	p.held = c.buf
	if c.err != nil {
		p.stop(c.err)
		return
	}
	p.buf = (*c.buf)[:c.n]
	p.cur++
}

// stop ends the read with err: it cancels the chunks in flight, waits for
// their goroutines and gives their buffers back.
func (p *parallelReader) stop(err error) {
	if p.err == nil {
		p.err = err
	}
	if p.done {
		return
	}
	p.done = true
	p.cancel()
	p.wg.Wait()
	for i, c := range p.slots {
		if c != nil {
			p.s.chunks.Put(c.buf)
			p.slots[i] = nil
		}
	}
	if p.held != nil {
		p.s.chunks.Put(p.held)
		p.held = nil
	}
	p.buf = nil
}

// Close implements io.Closer: chunks in flight are cancelled, and Close
// returns once their goroutines have ended.
func (p *parallelReader) Close() error {
	p.stop(errors.New("s3: read after Close"))
	return nil
}

// getChunk returns a buffer of Options.ChunkSize bytes.
func (s *Store) getChunk() *[]byte {
	if b, ok := s.chunks.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, s.opt.ChunkSize)
	return &b
}
