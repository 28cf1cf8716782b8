package exportapi

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Enum values of the request, as the API spells them.
const (
	FormatDynamoDBJSON = "DYNAMODB_JSON"
	FormatION          = "ION"

	TypeFull        = "FULL_EXPORT"
	TypeIncremental = "INCREMENTAL_EXPORT"

	ViewNewImage        = "NEW_IMAGE"
	ViewNewAndOldImages = "NEW_AND_OLD_IMAGES"

	SSEAES256 = "AES256"
	SSEKMS    = "KMS"
)

// Limits of the API.
const (
	// MinIncrementalWindow and MaxIncrementalWindow bound an incremental
	// export's [ExportFromTime, ExportToTime).
	MinIncrementalWindow = 15 * time.Minute
	MaxIncrementalWindow = 24 * time.Hour
	// TokenLifetime is how long a ClientToken makes ExportTableToPointInTime
	// idempotent.
	TokenLifetime = 8 * time.Hour
	// MaxListResults is the largest MaxResults of ListExports.
	MaxListResults = 25
)

// Params are the parameters of one ExportTableToPointInTime request. An
// empty string or a zero time is an absent parameter.
type Params struct {
	TableArn       string // required
	S3Bucket       string // required
	S3BucketOwner  string
	S3Prefix       string
	ExportFormat   string // DYNAMODB_JSON (the API's default when absent) or ION
	ExportTime     time.Time
	ClientToken    string
	S3SseAlgorithm string // AES256 or KMS
	S3SseKmsKeyID  string

	ExportType string    // FULL_EXPORT (the default) or INCREMENTAL_EXPORT
	FromTime   time.Time // IncrementalExportSpecification.ExportFromTime
	ToTime     time.Time // IncrementalExportSpecification.ExportToTime; absent means now
	View       string    // IncrementalExportSpecification.ExportViewType
}

// Incremental reports whether p asks for an incremental export.
func (p *Params) Incremental() bool { return p.ExportType == TypeIncremental }

// A ParamError is one broken rule of one parameter.
type ParamError struct {
	// Param is the parameter's name in the API (ExportFormat,
	// IncrementalExportSpecification.ExportViewType).
	Param string
	// Field is its path in DynamoDB's validation messages (exportFormat,
	// incrementalExportSpecification.exportViewType).
	Field string
	// Value is the value given; Null means none was.
	Value string
	Null  bool
	// Rule says what the value must be, as a sentence fragment: "must
	// not be null", "must be one of DYNAMODB_JSON, ION".
	Rule string
	// Constraint is the rule in DynamoDB's message shape ("Member must
	// satisfy enum value set: [ION, DYNAMODB_JSON]"); "" for the rules
	// DynamoDB reports with their own message (times).
	Constraint string
}

func (e *ParamError) Error() string {
	if e.Null {
		return e.Param + ": " + e.Rule
	}
	return fmt.Sprintf("%s %q: %s", e.Param, shorten(e.Value), e.Rule)
}

// ParamErrors are every broken rule of a request, in parameter order.
type ParamErrors []*ParamError

func (es ParamErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// DynamoDBMessage renders the errors as DynamoDB's ValidationException
// does: "1 validation error detected: Value 'CSV' at 'exportFormat'
// failed to satisfy constraint: Member must satisfy enum value set:
// [DYNAMODB_JSON, ION]".
func (es ParamErrors) DynamoDBMessage() string {
	var b strings.Builder
	if len(es) == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", len(es))
	}
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		if e.Constraint == "" {
			b.WriteString(e.Error())
			continue
		}
		if e.Null {
			b.WriteString("Value null")
		} else {
			fmt.Fprintf(&b, "Value '%s'", shorten(e.Value))
		}
		fmt.Fprintf(&b, " at '%s' failed to satisfy constraint: %s", e.Field, e.Constraint)
	}
	return b.String()
}

func shorten(s string) string {
	if len(s) > 100 {
		return strings.ToValidUTF8(s[:100], "") + "…"
	}
	return s
}

var (
	// bucketPattern is S3Bucket's pattern in the API reference.
	bucketPattern  = regexp.MustCompile(`^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	tokenPattern   = regexp.MustCompile(`^[^$]+$`)
	tablePattern   = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	// tableArnPattern: arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME.
	tableArnPattern = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):dynamodb:([a-z0-9-]+):([0-9]{12}):table/([^/]+)$`)
)

// A TableARN is a table ARN taken apart.
type TableARN struct {
	Partition, Region, Account, Table string
}

func (a TableARN) String() string {
	return "arn:" + a.Partition + ":dynamodb:" + a.Region + ":" + a.Account + ":table/" + a.Table
}

// ParseTableARN parses arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME.
func ParseTableARN(arn string) (TableARN, error) {
	m := tableArnPattern.FindStringSubmatch(arn)
	if m == nil || !tablePattern.MatchString(m[4]) {
		return TableARN{}, fmt.Errorf("%q is not a table ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME)", shorten(arn))
	}
	return TableARN{Partition: m[1], Region: m[2], Account: m[3], Table: m[4]}, nil
}

// ExportARNTable returns the table ARN an export ARN belongs to
// (…:table/NAME/export/ID), or "" if arn is not an export ARN.
func ExportARNTable(arn string) string {
	i := strings.Index(arn, "/export/")
	if i < 0 || i+len("/export/") == len(arn) {
		return ""
	}
	if _, err := ParseTableARN(arn[:i]); err != nil {
		return ""
	}
	return arn[:i]
}

type checker struct{ errs ParamErrors }

func (c *checker) add(param, field, value string, null bool, rule, constraint string) {
	c.errs = append(c.errs, &ParamError{Param: param, Field: field, Value: value, Null: null, Rule: rule, Constraint: constraint})
}

func (c *checker) required(param, field, v string) bool {
	if v == "" {
		c.add(param, field, "", true, "is required", "Member must not be null")
		return false
	}
	return true
}

func (c *checker) length(param, field, v string, lo, hi int) bool {
	n := len([]rune(v))
	switch {
	case n < lo:
		c.add(param, field, v, false, fmt.Sprintf("must be at least %d characters long", lo),
			fmt.Sprintf("Member must have length greater than or equal to %d", lo))
		return false
	case hi > 0 && n > hi:
		c.add(param, field, v, false, fmt.Sprintf("must be at most %d characters long (it has %d)", hi, n),
			fmt.Sprintf("Member must have length less than or equal to %d", hi))
		return false
	}
	return true
}

func (c *checker) enum(param, field, v string, values ...string) {
	for _, ok := range values {
		if v == ok {
			return
		}
	}
	c.add(param, field, v, false, "must be one of "+strings.Join(values, ", "),
		"Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

func (c *checker) pattern(param, field, v string, re *regexp.Regexp, rule string) {
	if !re.MatchString(v) {
		c.add(param, field, v, false, rule, "Member must satisfy regular expression pattern: "+re.String())
	}
}

// ValidateShape checks every rule of p that does not depend on the time:
// required parameters, enum values, lengths, patterns (the bucket name, the
// bucket owner's account ID, the table ARN's form) and which parameters go
// together (IncrementalExportSpecification with INCREMENTAL_EXPORT only,
// ExportTime with FULL_EXPORT only). It returns ParamErrors or nil.
func (p *Params) ValidateShape() error {
	var c checker
	if c.required("TableArn", "tableArn", p.TableArn) && c.length("TableArn", "tableArn", p.TableArn, 1, 1024) {
		if _, err := ParseTableARN(p.TableArn); err != nil {
			c.add("TableArn", "tableArn", p.TableArn, false, "must be a table ARN, arn:aws:dynamodb:REGION:ACCOUNT:table/NAME",
				"Member must be a table ARN: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME")
		}
	}
	if c.required("S3Bucket", "s3Bucket", p.S3Bucket) && c.length("S3Bucket", "s3Bucket", p.S3Bucket, 0, 255) {
		c.pattern("S3Bucket", "s3Bucket", p.S3Bucket, bucketPattern,
			"is not a bucket name: letters, digits, '.', '-' and '_', starting and ending with a letter or digit, at least 2 characters")
	}
	if p.S3BucketOwner != "" {
		c.pattern("S3BucketOwner", "s3BucketOwner", p.S3BucketOwner, accountPattern, "must be a 12-digit AWS account ID")
	}
	if p.S3Prefix != "" {
		c.length("S3Prefix", "s3Prefix", p.S3Prefix, 0, 1024)
	}
	if p.ExportFormat != "" {
		c.enum("ExportFormat", "exportFormat", p.ExportFormat, FormatDynamoDBJSON, FormatION)
	}
	if p.ClientToken != "" {
		c.pattern("ClientToken", "clientToken", p.ClientToken, tokenPattern, "must not contain '$'")
	}
	if p.S3SseAlgorithm != "" {
		c.enum("S3SseAlgorithm", "s3SseAlgorithm", p.S3SseAlgorithm, SSEAES256, SSEKMS)
	}
	if p.S3SseKmsKeyID != "" {
		c.length("S3SseKmsKeyId", "s3SseKmsKeyId", p.S3SseKmsKeyID, 1, 2048)
	}
	if p.ExportType != "" {
		c.enum("ExportType", "exportType", p.ExportType, TypeFull, TypeIncremental)
	}
	incrSpec := !p.FromTime.IsZero() || !p.ToTime.IsZero() || p.View != ""
	switch {
	case p.Incremental():
		if p.FromTime.IsZero() {
			c.add("IncrementalExportSpecification.ExportFromTime", "incrementalExportSpecification.exportFromTime", "", true,
				"is required for an INCREMENTAL_EXPORT", "")
		}
		if !p.ExportTime.IsZero() {
			c.add("ExportTime", "exportTime", formatTime(p.ExportTime), false,
				"applies to a FULL_EXPORT only; an INCREMENTAL_EXPORT takes ExportFromTime and ExportToTime", "")
		}
		if p.View != "" {
			c.enum("IncrementalExportSpecification.ExportViewType", "incrementalExportSpecification.exportViewType", p.View,
				ViewNewAndOldImages, ViewNewImage)
		}
	case incrSpec && (p.ExportType == "" || p.ExportType == TypeFull):
		c.add("IncrementalExportSpecification", "incrementalExportSpecification", "", true,
			"applies to an INCREMENTAL_EXPORT only: set ExportType to INCREMENTAL_EXPORT", "")
	}
	if len(c.errs) > 0 {
		return c.errs
	}
	return nil
}

// Validate checks every rule of p: ValidateShape, then the rules of time
// against now: ExportTime not in the future; for an incremental export
// ExportFromTime and ExportToTime not in the future, ExportFromTime
// before ExportToTime (now when absent), and a window of 15 minutes to 24
// hours. It returns ParamErrors or nil.
func (p *Params) Validate(now time.Time) error {
	if err := p.ValidateShape(); err != nil {
		return err
	}
	errs := p.TimeErrors(now)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// TimeErrors returns the broken rules of time of a request that passes
// ValidateShape (see Validate).
func (p *Params) TimeErrors(now time.Time) ParamErrors {
	var c checker
	if !p.ExportTime.IsZero() && p.ExportTime.After(now) {
		c.add("ExportTime", "exportTime", formatTime(p.ExportTime), false,
			"is in the future (now is "+formatTime(now)+"): an export reads the table's past", "")
	}
	if !p.Incremental() {
		return c.errs
	}
	const from, to = "IncrementalExportSpecification.ExportFromTime", "IncrementalExportSpecification.ExportToTime"
	if p.FromTime.After(now) {
		c.add(from, "", formatTime(p.FromTime), false, "is in the future (now is "+formatTime(now)+")", "")
	}
	end := p.ToTime
	if end.IsZero() {
		end = now
	} else if end.After(now) {
		c.add(to, "", formatTime(end), false, "is in the future (now is "+formatTime(now)+")", "")
	}
	if len(c.errs) > 0 {
		return c.errs
	}
	switch w := end.Sub(p.FromTime); {
	case w <= 0:
		c.add(from, "", formatTime(p.FromTime), false, "must be before ExportToTime ("+formatTime(end)+")", "")
	case w < MinIncrementalWindow:
		c.add(to, "", formatTime(end), false, fmt.Sprintf("makes a window of %v from ExportFromTime: an incremental export covers at least 15 minutes", w), "")
	case w > MaxIncrementalWindow:
		c.add(to, "", formatTime(end), false, fmt.Sprintf("makes a window of %v from ExportFromTime: an incremental export covers at most 24 hours", w), "")
	}
	return c.errs
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// NewClientToken returns a random ClientToken (a UUID, as the SDKs make).
func NewClientToken() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Input returns the SDK's request for p; absent parameters are nil.
func (p *Params) Input() *dynamodb.ExportTableToPointInTimeInput {
	in := &dynamodb.ExportTableToPointInTimeInput{
		TableArn:       aws.String(p.TableArn),
		S3Bucket:       aws.String(p.S3Bucket),
		S3BucketOwner:  optString(p.S3BucketOwner),
		S3Prefix:       optString(p.S3Prefix),
		ExportFormat:   types.ExportFormat(p.ExportFormat),
		ExportTime:     optTime(p.ExportTime),
		ClientToken:    optString(p.ClientToken),
		S3SseAlgorithm: types.S3SseAlgorithm(p.S3SseAlgorithm),
		S3SseKmsKeyId:  optString(p.S3SseKmsKeyID),
		ExportType:     types.ExportType(p.ExportType),
	}
	if !p.FromTime.IsZero() || !p.ToTime.IsZero() || p.View != "" {
		in.IncrementalExportSpecification = &types.IncrementalExportSpecification{
			ExportFromTime: optTime(p.FromTime),
			ExportToTime:   optTime(p.ToTime),
			ExportViewType: types.ExportViewType(p.View),
		}
	}
	return in
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ParseTime parses a time as the CLI takes it: RFC 3339 (with or without
// fractional seconds) or epoch seconds (with or without a fraction).
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if sec, frac, ok := parseEpoch(s); ok {
		return time.Unix(sec, frac).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-03-19T06:14:35Z) or epoch seconds (1773900875)", s)
}

// parseEpoch parses decimal epoch seconds without going through float64.
func parseEpoch(s string) (sec int64, nanos int64, ok bool) {
	ip, fp, hasFrac := strings.Cut(s, ".")
	if ip == "" || len(ip) > 12 || (hasFrac && (fp == "" || len(fp) > 9)) {
		return 0, 0, false
	}
	for _, c := range ip + fp {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
	}
	for _, c := range ip {
		sec = sec*10 + int64(c-'0')
	}
	for i := range 9 {
		nanos *= 10
		if i < len(fp) {
			nanos += int64(fp[i] - '0')
		}
	}
	return sec, nanos, true
}
