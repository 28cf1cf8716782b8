package s3test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// A Fault is one misbehaviour of a Proxy, applied to the next requests
// that Match, Times times (once if Times is 0).
type Fault struct {
	// Match picks the requests the fault applies to; nil matches all.
	Match func(*http.Request) bool
	Times int

	// Status, if set, answers with this status and an S3 error of Code
	// instead of forwarding the request.
	Status int
	Code   string

	// CutAfter, if positive, forwards the request but cuts the response
	// body after CutAfter bytes, closing the connection.
	CutAfter int64
	// Stall, with CutAfter, stops sending after CutAfter bytes but keeps
	// the connection open until the client gives up.
	Stall bool

	// ETag, if set, replaces the response's ETag header, as a server
	// that ignored If-Match and sent another version would.
	ETag string

	// Hold, if not nil, holds the request before forwarding it until
	// Hold is closed or the client gives up (then the connection is
	// closed), as a slow server would.
	Hold <-chan struct{}

	// After runs once the response (or its cut) has been sent, such as
	// to replace the object before the client's next request.
	After func()
}

// GetOf matches GET requests of the object whose path ends in key.
func GetOf(key string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/"+key)
	}
}

// A Request is what a Proxy saw of one request.
type Request struct {
	Method, Path, Range, IfMatch string
	Query                        string
	Header                       http.Header
	Fault                        string // the fault applied, if any
	// InFlight is the number of requests the proxy was serving when
	// this one came, itself included.
	InFlight int
}

// A Proxy is an HTTP reverse proxy in front of a Server that injects
// faults. It keeps the client's Host header, so signed requests still
// verify.
type Proxy struct {
	URL string

	target   string
	mu       sync.Mutex
	faults   []*Fault
	log      []Request
	inFlight int
	stop     chan struct{}
}

// NewProxy starts a proxy in front of s, stopped when t ends.
func NewProxy(t testing.TB, s *Server) *Proxy {
	p := &Proxy{target: strings.TrimPrefix(s.URL, "http://"), stop: make(chan struct{})}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		close(p.stop)
		srv.CloseClientConnections()
		srv.Close()
	})
	p.URL = srv.URL
	return p
}

// Add queues faults; each applies to the next matching requests.
func (p *Proxy) Add(fs ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range fs {
		if f.Times == 0 {
			f.Times = 1
		}
		p.faults = append(p.faults, &f)
	}
}

// Requests returns the requests seen so far.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.log...)
}

// Pending returns how many fault applications are still queued.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.faults {
		n += f.Times
	}
	return n
}

func (p *Proxy) take(r *http.Request) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight++
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(),
		Range: r.Header.Get("Range"), IfMatch: r.Header.Get("If-Match"), InFlight: p.inFlight}
	var got *Fault
	for i, f := range p.faults {
		if f.Match == nil || f.Match(r) {
			got = f
			f.Times--
			if f.Times == 0 {
				p.faults = append(p.faults[:i], p.faults[i+1:]...)
			}
			break
		}
	}
	if got != nil {
		switch {
		case got.Status != 0:
			req.Fault = fmt.Sprintf("%d %s", got.Status, got.Code)
		case got.Stall:
			req.Fault = fmt.Sprintf("stall after %d", got.CutAfter)
		case got.CutAfter > 0:
			req.Fault = fmt.Sprintf("cut after %d", got.CutAfter)
		case got.ETag != "":
			req.Fault = "ETag " + got.ETag
		case got.Hold != nil:
			req.Fault = "hold"
		}
	}
	p.log = append(p.log, req)
	return got
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.take(r)
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	var after func()
	if f != nil {
		after = f.After
	}
	defer func() {
		if after != nil {
			after()
		}
	}()
	if f != nil && f.Hold != nil {
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			panic(http.ErrAbortHandler)
		case <-p.stop:
			panic(http.ErrAbortHandler)
		}
	}
	if f != nil && f.Status != 0 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by the test proxy</Message><RequestId>proxy</RequestId></Error>`, f.Code)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+p.target+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host
	out.ContentLength = r.ContentLength
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	if f != nil && f.ETag != "" {
		w.Header().Set("ETag", f.ETag)
	}
	w.WriteHeader(resp.StatusCode)
	if f == nil || f.CutAfter <= 0 {
		io.Copy(w, resp.Body)
		return
	}
	io.CopyN(w, resp.Body, f.CutAfter)
	w.(http.Flusher).Flush()
	if f.Stall {
		select {
		case <-r.Context().Done():
		case <-p.stop:
		}
	}
	if after != nil {
		after()
		after = nil
	}
	panic(http.ErrAbortHandler) // close the connection mid-body
}
