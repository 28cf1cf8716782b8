package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	_ "github.com/ddbexport/ddbexport/codec/ion" // registers the ION encoder
	"github.com/ddbexport/ddbexport/exportapi"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// ErrNoSuchBucket is returned by a Buckets func for a bucket that does
// not exist; the export then FAILS with FailureCode S3NoSuchBucket.
var ErrNoSuchBucket = errors.New("the specified bucket does not exist")

// Defaults of Options.
const (
	DefaultRegion        = "us-east-1"
	DefaultAccount       = "000000000000"
	DefaultMaxConcurrent = 300
	DefaultMaxBodyBytes  = 1 << 20
	// DefaultPITRWindow is how far back the PITR window of a table
	// without since= reaches from the service's start.
	DefaultPITRWindow = 35 * 24 * time.Hour
)

// Options configure a Server. Buckets is required.
type Options struct {
	// Region and Account build the ARNs; "" means us-east-1 and
	// 000000000000.
	Region, Account string
	// Buckets returns the store standing for a bucket (see LocalBuckets),
	// or an error wrapping ErrNoSuchBucket.
	Buckets func(bucket string) (store.Store, error)
	// Now is the service's clock; nil means time.Now.
	Now func() time.Time
	// Rand draws the random part of export IDs; nil means crypto/rand.
	Rand io.Reader
	// MaxConcurrent is the number of exports that may be IN_PROGRESS at
	// once; 0 means 300, as in DynamoDB.
	MaxConcurrent int
	// Files is the number of data files per export; 0 means one per
	// 1000 items, 1 to 64.
	Files int
	// Go runs an export's work; nil means in a new goroutine. Tests pass
	// a func that holds the work to see exports IN_PROGRESS.
	Go func(work func())
	// MaxBodyBytes bounds a request's body; 0 means 1 MiB.
	MaxBodyBytes int64
	// Logf, if set, is told of each request and export.
	Logf func(format string, args ...any)
}

// LocalBuckets returns a Buckets func over dir: bucket B is the folder
// dir/B, which must exist.
func LocalBuckets(dir string) func(string) (store.Store, error) {
	return func(bucket string) (store.Store, error) {
		p := filepath.Join(dir, bucket)
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%w: %s (no folder %s)", ErrNoSuchBucket, bucket, p)
		}
		return localfs.New(p), nil
	}
}

// A Server is a local DynamoDB export service: an http.Handler speaking
// the DynamoDB JSON 1.0 protocol for ExportTableToPointInTime,
// DescribeExport and ListExports. It is safe for concurrent use.
type Server struct {
	opt    Options
	tables map[string]*Table

	mu      sync.Mutex
	exports map[string]*job // by export ARN
	tokens  map[string]*tokenUse
	running int
	wg      sync.WaitGroup
}

type tokenUse struct {
	fingerprint string
	arn         string
	at          time.Time
}

// A job is one export and its description.
type job struct {
	desc        description
	fingerprint string
	table       *Table
	prefix      string // the S3 prefix as a store key prefix ("" for none)
	incremental bool
	view        string
	format      codec.Format
}

// New returns a Server of the tables.
func New(opt Options, tables ...*Table) (*Server, error) {
	if opt.Buckets == nil {
		return nil, errors.New("server: Options.Buckets is required")
	}
	if opt.Region == "" {
		opt.Region = DefaultRegion
	}
	if opt.Account == "" {
		opt.Account = DefaultAccount
	}
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = DefaultMaxConcurrent
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.Go == nil {
		opt.Go = func(work func()) { go work() }
	}
	s := &Server{opt: opt, tables: map[string]*Table{}, exports: map[string]*job{}, tokens: map[string]*tokenUse{}}
	for _, t := range tables {
		if _, dup := s.tables[t.Name]; dup {
			return nil, fmt.Errorf("server: table %s given twice", t.Name)
		}
		if t.ID == "" {
			h := fnv.New128a()
			h.Write([]byte(opt.Account + "/" + opt.Region + "/" + t.Name))
			b := h.Sum(nil)
			t.ID = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		}
		s.tables[t.Name] = t
	}
	return s, nil
}

// TableARN returns the ARN of the table named name.
func (s *Server) TableARN(name string) string {
	return exportapi.TableARN{Partition: "aws", Region: s.opt.Region, Account: s.opt.Account, Table: name}.String()
}

// Wait waits for the exports in progress to finish.
func (s *Server) Wait() { s.wg.Wait() }

func (s *Server) logf(format string, args ...any) {
	if s.opt.Logf != nil {
		s.opt.Logf(format, args...)
	}
}

// An apiError is an error response.
type apiError struct {
	status int
	typ    string // the __type, namespace included
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

const ns = "com.amazonaws.dynamodb.v20120810#"

func errorf(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: ns + code, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.logf("panic: %v", p)
			s.reply(w, nil, &apiError{status: 500, typ: ns + "InternalServerError", msg: "Internal server error"})
		}
	}()
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		// DynamoDB answers a health check this way.
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "healthy: ddbexport serve "+s.opt.Region+"\n")
		return
	}
	if r.Method != http.MethodPost {
		s.reply(w, nil, &apiError{status: http.StatusMethodNotAllowed, typ: "com.amazon.coral.service#UnknownOperationException",
			msg: "method " + r.Method + " not allowed: POST a JSON 1.0 request"})
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	handlers := map[string]func([]byte) (any, error){
		"ExportTableToPointInTime": s.exportTableToPointInTime,
		"DescribeExport":           s.describeExport,
		"ListExports":              s.listExports,
	}
	h := handlers[op]
	if !ok || h == nil {
		s.reply(w, nil, &apiError{status: 400, typ: "com.amazon.coral.service#UnknownOperationException",
			msg: fmt.Sprintf("operation %q is not served: this service answers DynamoDB_20120810.ExportTableToPointInTime, DescribeExport and ListExports", r.Header.Get("X-Amz-Target"))})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opt.MaxBodyBytes))
	if err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			s.reply(w, nil, &apiError{status: http.StatusRequestEntityTooLarge, typ: "com.amazon.coral.service#RequestEntityTooLargeException",
				msg: fmt.Sprintf("request body larger than %d bytes", s.opt.MaxBodyBytes)})
			return
		}
		s.reply(w, nil, &apiError{status: 400, typ: "com.amazon.coral.service#SerializationException", msg: "cannot read the request body: " + err.Error()})
		return
	}
	out, err := h(body)
	s.logf("%s %s", op, errString(err))
	s.reply(w, out, err)
}

func errString(err error) string {
	if err == nil {
		return "OK"
	}
	return err.Error()
}

func (s *Server) reply(w http.ResponseWriter, out any, err error) {
	status := http.StatusOK
	var body []byte
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: 500, typ: ns + "InternalServerError", msg: err.Error()}
		}
		status = ae.status
		body, _ = json.Marshal(map[string]string{"__type": ae.typ, "message": ae.msg})
	} else {
		body, err = json.Marshal(out)
		if err != nil {
			status = 500
			body, _ = json.Marshal(map[string]string{"__type": ns + "InternalServerError", "message": err.Error()})
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.Header().Set("X-Amzn-Requestid", s.randHex(16))
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Server) randHex(n int) string {
	b := make([]byte, n)
	s.mu.Lock()
	_, err := io.ReadFull(s.opt.Rand, b)
	s.mu.Unlock()
	if err != nil {
		rand.Read(b)
	}
	return hex.EncodeToString(b)
}

// decode parses a request body; a body that is not a JSON object of the
// right member types is a SerializationException.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &apiError{status: 400, typ: "com.amazon.coral.service#SerializationException", msg: "cannot parse the request: " + err.Error()}
	}
	if dec.More() {
		return &apiError{status: 400, typ: "com.amazon.coral.service#SerializationException", msg: "cannot parse the request: data after the JSON object"}
	}
	return nil
}

// epoch is a time on the wire: epoch seconds, a JSON number.
type epoch struct{ time.Time }

func (e *epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return fmt.Errorf("%s is not a timestamp in epoch seconds", b)
	}
	e.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}

func (e epoch) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(e.UnixMilli())/1000, 'f', 3, 64), nil
}

func epochOf(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	return &epoch{t.UTC().Truncate(time.Millisecond)}
}

type incrementalSpec struct {
	ExportFromTime *epoch  `json:",omitempty"`
	ExportToTime   *epoch  `json:",omitempty"`
	ExportViewType *string `json:",omitempty"`
}

type exportRequest struct {
	TableArn                       *string          `json:",omitempty"`
	S3Bucket                       *string          `json:",omitempty"`
	S3BucketOwner                  *string          `json:",omitempty"`
	S3Prefix                       *string          `json:",omitempty"`
	ExportFormat                   *string          `json:",omitempty"`
	ExportTime                     *epoch           `json:",omitempty"`
	ClientToken                    *string          `json:",omitempty"`
	S3SseAlgorithm                 *string          `json:",omitempty"`
	S3SseKmsKeyId                  *string          `json:",omitempty"`
	ExportType                     *string          `json:",omitempty"`
	IncrementalExportSpecification *incrementalSpec `json:",omitempty"`
	FilterSpecification            json.RawMessage  `json:",omitempty"`
}

// description is an ExportDescription on the wire.
type description struct {
	ExportArn                      string
	ExportStatus                   string
	StartTime                      *epoch `json:",omitempty"`
	EndTime                        *epoch `json:",omitempty"`
	ExportManifest                 string `json:",omitempty"`
	TableArn                       string
	TableId                        string
	ExportTime                     *epoch `json:",omitempty"`
	ClientToken                    string `json:",omitempty"`
	S3Bucket                       string
	S3BucketOwner                  string `json:",omitempty"`
	S3Prefix                       string `json:",omitempty"`
	S3SseAlgorithm                 string `json:",omitempty"`
	S3SseKmsKeyId                  string `json:",omitempty"`
	FailureCode                    string `json:",omitempty"`
	FailureMessage                 string `json:",omitempty"`
	ExportFormat                   string
	BilledSizeBytes                *int64 `json:",omitempty"`
	ItemCount                      *int64 `json:",omitempty"`
	ExportType                     string
	IncrementalExportSpecification *incrementalSpec `json:",omitempty"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) exportTableToPointInTime(body []byte) (any, error) {
	var req exportRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	p := exportapi.Params{
		TableArn: str(req.TableArn), S3Bucket: str(req.S3Bucket), S3BucketOwner: str(req.S3BucketOwner),
		S3Prefix: str(req.S3Prefix), ExportFormat: str(req.ExportFormat), ClientToken: str(req.ClientToken),
		S3SseAlgorithm: str(req.S3SseAlgorithm), S3SseKmsKeyID: str(req.S3SseKmsKeyId), ExportType: str(req.ExportType),
	}
	if req.ExportTime != nil {
		p.ExportTime = req.ExportTime.Time
	}
	if spec := req.IncrementalExportSpecification; spec != nil {
		if spec.ExportFromTime != nil {
			p.FromTime = spec.ExportFromTime.Time
		}
		if spec.ExportToTime != nil {
			p.ToTime = spec.ExportToTime.Time
		}
		p.View = str(spec.ExportViewType)
	}
	if err := p.ValidateShape(); err != nil {
		var pe exportapi.ParamErrors
		errors.As(err, &pe)
		return nil, errorf("ValidationException", "%s", pe.DynamoDBMessage())
	}
	if len(req.FilterSpecification) > 0 && string(req.FilterSpecification) != "null" {
		return nil, errorf("ValidationException", "FilterSpecification is not supported by this local service")
	}
	arn, _ := exportapi.ParseTableARN(p.TableArn)
	t := s.tables[arn.Table]
	if t == nil || arn.Region != s.opt.Region || arn.Account != s.opt.Account || arn.Partition != "aws" {
		return nil, errorf("TableNotFoundException", "Table not found: %s", p.TableArn)
	}
	if !t.PITR {
		return nil, errorf("PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table '%s'", t.Name)
	}
	fp := fingerprint(req)

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now().UTC()
	if p.ClientToken != "" {
		if use := s.tokens[p.ClientToken]; use != nil && now.Sub(use.at) < exportapi.TokenLifetime {
			if use.fingerprint != fp {
				return nil, errorf("IdempotentParameterMismatchException",
					"The client token %s was used in the last 8 hours with other parameters", p.ClientToken)
			}
			return map[string]any{"ExportDescription": s.exports[use.arn].desc}, nil
		}
	}
	j := &job{table: t, fingerprint: fp, incremental: p.Incremental(), view: p.View}
	if err := s.checkTimes(&p, t, now); err != nil {
		return nil, err
	}
	if s.running >= s.opt.MaxConcurrent {
		return nil, errorf("LimitExceededException", "There are already %d exports in progress: the limit is %d", s.running, s.opt.MaxConcurrent)
	}
	j.prefix = strings.TrimSuffix(p.S3Prefix, "/")
	for _, o := range s.exports {
		if o.desc.ExportStatus == "IN_PROGRESS" && o.desc.S3Bucket == p.S3Bucket && o.prefix == j.prefix {
			return nil, errorf("ExportConflictException", "Export to bucket %s with prefix %q is already in progress: %s", p.S3Bucket, p.S3Prefix, o.desc.ExportArn)
		}
	}
	var id [4]byte
	if _, err := io.ReadFull(s.opt.Rand, id[:]); err != nil {
		return nil, err
	}
	exportID := fmt.Sprintf("%014d-%x", now.UnixMilli(), id)
	j.format = codec.FormatDynamoDBJSON
	if p.ExportFormat == exportapi.FormatION {
		j.format = codec.FormatION
	}
	sse := p.S3SseAlgorithm
	if sse == "" {
		sse = exportapi.SSEAES256
	}
	exportType := p.ExportType
	if exportType == "" {
		exportType = exportapi.TypeFull
	}
	j.desc = description{
		ExportArn:      s.TableARN(t.Name) + "/export/" + exportID,
		ExportStatus:   "IN_PROGRESS",
		StartTime:      epochOf(now),
		TableArn:       s.TableARN(t.Name),
		TableId:        t.ID,
		ExportTime:     epochOf(p.ExportTime),
		ClientToken:    p.ClientToken,
		S3Bucket:       p.S3Bucket,
		S3BucketOwner:  p.S3BucketOwner,
		S3Prefix:       p.S3Prefix,
		S3SseAlgorithm: sse,
		S3SseKmsKeyId:  p.S3SseKmsKeyID,
		ExportFormat:   j.format.String(),
		ExportType:     exportType,
	}
	if j.incremental {
		if j.view == "" {
			j.view = exportapi.ViewNewAndOldImages
		}
		j.desc.ExportTime = epochOf(p.ToTime)
		j.desc.IncrementalExportSpecification = &incrementalSpec{
			ExportFromTime: epochOf(p.FromTime), ExportToTime: epochOf(p.ToTime), ExportViewType: &j.view,
		}
	}
	s.exports[j.desc.ExportArn] = j
	if p.ClientToken != "" {
		s.tokens[p.ClientToken] = &tokenUse{fingerprint: fp, arn: j.desc.ExportArn, at: now}
	}
	s.running++
	s.wg.Add(1)
	desc := j.desc
	s.opt.Go(func() {
		defer s.wg.Done()
		s.run(j)
	})
	return map[string]any{"ExportDescription": desc}, nil
}

// checkTimes applies the rules of time, filling in the defaults (an
// ExportTime or ExportToTime of now).
func (s *Server) checkTimes(p *exportapi.Params, t *Table, now time.Time) error {
	earliest := t.Since.UTC().Format(time.RFC3339)
	if !p.Incremental() {
		if p.ExportTime.IsZero() {
			p.ExportTime = now
		}
		if p.ExportTime.After(now) {
			return errorf("InvalidExportTimeException", "Export time %s is in the future (now is %s)", p.ExportTime.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		if p.ExportTime.Before(t.Since) {
			return errorf("InvalidExportTimeException", "Export time %s is before the earliest restorable time of table %s, %s", p.ExportTime.Format(time.RFC3339), t.Name, earliest)
		}
		return nil
	}
	if p.ToTime.IsZero() {
		p.ToTime = now
	}
	for _, tm := range []time.Time{p.FromTime, p.ToTime} {
		if tm.After(now) {
			return errorf("InvalidExportTimeException", "Export time %s is in the future (now is %s)", tm.Format(time.RFC3339), now.Format(time.RFC3339))
		}
	}
	if p.FromTime.Before(t.Since) {
		return errorf("InvalidExportTimeException", "ExportFromTime %s is before the earliest restorable time of table %s, %s", p.FromTime.Format(time.RFC3339), t.Name, earliest)
	}
	if errs := p.TimeErrors(now); len(errs) > 0 {
		return errorf("ValidationException", "%s", errs.Error())
	}
	return nil
}

// fingerprint identifies a request's parameters but the token.
func fingerprint(req exportRequest) string {
	req.ClientToken = nil
	b, _ := json.Marshal(req)
	return string(b)
}

func (s *Server) describeExport(body []byte) (any, error) {
	var req struct{ ExportArn *string }
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	arn := str(req.ExportArn)
	if req.ExportArn == nil {
		return nil, errorf("ValidationException", "1 validation error detected: Value null at 'exportArn' failed to satisfy constraint: Member must not be null")
	}
	if n := len(arn); n < 37 || n > 1024 {
		return nil, errorf("ValidationException", "1 validation error detected: Value '%s' at 'exportArn' failed to satisfy constraint: Member must have length between 37 and 1024", arn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.exports[arn]
	if j == nil {
		return nil, errorf("ExportNotFoundException", "Export not found: %s", arn)
	}
	return map[string]any{"ExportDescription": j.desc}, nil
}

type exportSummary struct {
	ExportArn    string
	ExportStatus string
	ExportType   string
}

func (s *Server) listExports(body []byte) (any, error) {
	var req struct {
		TableArn   *string
		MaxResults *int
		NextToken  *string
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	max := exportapi.MaxListResults
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > exportapi.MaxListResults {
			return nil, errorf("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 25", *req.MaxResults)
		}
		max = *req.MaxResults
	}
	if req.TableArn != nil {
		if _, err := exportapi.ParseTableARN(*req.TableArn); err != nil {
			return nil, errorf("ValidationException", "Invalid TableArn: %v", err)
		}
	}
	s.mu.Lock()
	var arns []string
	for arn := range s.exports {
		if req.TableArn == nil || exportapi.ExportARNTable(arn) == *req.TableArn {
			arns = append(arns, arn)
		}
	}
	// DynamoDB lists in reverse alphanumeric order of ExportArn: newest
	// first, since export IDs start with the time.
	slices.Sort(arns)
	slices.Reverse(arns)
	start := 0
	if req.NextToken != nil {
		// The token is the last ARN listed: a list that changes between
		// pages goes on where it was.
		last, err := hex.DecodeString(*req.NextToken)
		if err != nil || len(last) == 0 {
			s.mu.Unlock()
			return nil, errorf("ValidationException", "Invalid NextToken")
		}
		start, _ = slices.BinarySearchFunc(arns, string(last), func(a, b string) int { return strings.Compare(b, a) })
		if start < len(arns) && arns[start] == string(last) {
			start++
		}
	}
	page := []exportSummary{}
	for _, arn := range arns[start:min(start+max, len(arns))] {
		d := s.exports[arn].desc
		page = append(page, exportSummary{ExportArn: d.ExportArn, ExportStatus: d.ExportStatus, ExportType: d.ExportType})
	}
	s.mu.Unlock()
	out := map[string]any{"ExportSummaries": page}
	if start+max < len(arns) {
		out["NextToken"] = hex.EncodeToString([]byte(page[len(page)-1].ExportArn))
	}
	return out, nil
}

// run writes an export and records its outcome.
func (s *Server) run(j *job) {
	s.mu.Lock()
	d := j.desc // a copy, read without the lock below
	s.mu.Unlock()
	items, billed, err := s.write(j, &d)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	j.desc.EndTime = epochOf(s.opt.Now())
	if err != nil {
		var fe *failure
		if !errors.As(err, &fe) {
			fe = &failure{code: "UNKNOWN", msg: err.Error()}
		}
		j.desc.ExportStatus = "FAILED"
		j.desc.FailureCode, j.desc.FailureMessage = fe.code, fe.msg
		s.logf("export %s FAILED: %s: %s", j.desc.ExportArn, fe.code, fe.msg)
		return
	}
	j.desc.ExportStatus = "COMPLETED"
	j.desc.ItemCount, j.desc.BilledSizeBytes = &items, &billed
	j.desc.ExportManifest = d.ExportManifest
	s.logf("export %s COMPLETED: %d items", j.desc.ExportArn, items)
}

// A failure is a FAILED export's FailureCode and FailureMessage.
type failure struct{ code, msg string }

func (f *failure) Error() string { return f.code + ": " + f.msg }

// write writes the export described by d; it sets d.ExportManifest.
func (s *Server) write(j *job, d *description) (items, billed int64, err error) {
	if d.S3BucketOwner != "" && d.S3BucketOwner != s.opt.Account {
		return 0, 0, &failure{"S3AccessDenied", fmt.Sprintf("Access Denied: bucket %s belongs to account %s, not %s", d.S3Bucket, s.opt.Account, d.S3BucketOwner)}
	}
	st, err := s.opt.Buckets(d.S3Bucket)
	if errors.Is(err, ErrNoSuchBucket) {
		return 0, 0, &failure{"S3NoSuchBucket", "The specified bucket does not exist: " + d.S3Bucket}
	}
	if err != nil {
		return 0, 0, &failure{"UNKNOWN", err.Error()}
	}
	recs := j.records(d)
	files := s.opt.Files
	if files <= 0 {
		files = min(max(len(recs)/1000, 1), 64)
	}
	sum := manifest.Summary{
		ExportArn:      d.ExportArn,
		StartTime:      d.StartTime.Time,
		TableArn:       d.TableArn,
		TableID:        d.TableId,
		S3Bucket:       d.S3Bucket,
		S3Prefix:       j.prefix,
		S3SseAlgorithm: d.S3SseAlgorithm,
		S3SseKmsKeyID:  d.S3SseKmsKeyId,
	}
	if j.incremental {
		sum.ExportType = manifest.IncrementalExport
		sum.ExportFromTime = d.IncrementalExportSpecification.ExportFromTime.Time
		sum.ExportToTime = d.IncrementalExportSpecification.ExportToTime.Time
		sum.OutputView = j.view
	} else {
		sum.ExportTime = d.ExportTime.Time
	}
	for _, r := range recs {
		billed += int64(gen.ItemSize(r.Item) + gen.ItemSize(r.NewImage) + gen.ItemSize(r.OldImage))
	}
	ctx := context.Background()
	f := j.format
	w, err := export.New(ctx, st, export.Options{
		Summary: sum,
		Format:  f,
		Files:   files,
		NewEncoder: func(w io.Writer) codec.Encoder {
			enc, _ := codec.NewEncoder(f, w)
			return enc
		},
		BilledSizeBytes: func(export.Stats) int64 { return billed },
		Now:             s.opt.Now,
	})
	if err != nil {
		return 0, 0, &failure{"UNKNOWN", err.Error()}
	}
	// Records go to data files by a hash of the partition key, as in
	// DynamoDB; each file is written whole before the next.
	byFile := make([][]*codec.Record, files)
	for _, r := range recs {
		keys := r.Keys
		if keys == nil {
			keys, _ = j.table.keyOf(r.Item)
		}
		h := fnv.New32a()
		h.Write([]byte(keyString(keys[:1])))
		i := int(h.Sum32() % uint32(files))
		byFile[i] = append(byFile[i], r)
	}
	for i, rs := range byFile {
		if len(rs) == 0 {
			continue
		}
		part, err := w.Partition(ctx, i)
		if err == nil {
			_, err = part.WriteRecords(rs)
		}
		if err == nil {
			err = part.Close()
		}
		if err != nil {
			w.Abort()
			return 0, 0, &failure{"UNKNOWN", err.Error()}
		}
	}
	written, _, err := w.Close(ctx)
	if err != nil {
		return 0, 0, &failure{"UNKNOWN", err.Error()}
	}
	ref := w.Ref()
	d.ExportManifest = ref.Key(manifest.SummaryName)
	return written.ItemCount, billed, nil
}

// records returns the export's records in key order: the items at
// ExportTime for a full export; for an incremental one, a record per key
// written in [ExportFromTime, ExportToTime), from its state at the
// window's start (OldImage) to its state at the end (NewImage), stamped
// with its last write. A key created and deleted within the window has no
// record.
func (j *job) records(d *description) []*codec.Record {
	t := j.table
	if !j.incremental {
		state := t.stateAt(d.ExportTime.Time)
		keys := sortedKeys(state)
		recs := make([]*codec.Record, len(keys))
		for i, k := range keys {
			recs[i] = &codec.Record{Item: state[k]}
		}
		return recs
	}
	spec := d.IncrementalExportSpecification
	from, to := spec.ExportFromTime.Time, spec.ExportToTime.Time
	before, after := t.stateAt(from), t.stateAt(to)
	last := map[string]int64{}
	keyItems := map[string]codec.Item{}
	for _, c := range t.Changes {
		if c.Micros >= from.UnixMicro() && c.Micros < to.UnixMicro() {
			k := keyString(c.Keys)
			last[k], keyItems[k] = c.Micros, c.Keys
		}
	}
	var recs []*codec.Record
	for _, k := range sortedKeys(last) {
		old, cur := before[k], after[k]
		if old == nil && cur == nil {
			continue
		}
		r := &codec.Record{WriteTimestampMicros: last[k], Keys: keyItems[k], NewImage: cur}
		if j.view == exportapi.ViewNewAndOldImages {
			r.OldImage = old
		}
		recs = append(recs, r)
	}
	return recs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
