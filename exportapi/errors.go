package exportapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// A Class says what kind of failure an Error is, for a command's exit
// code.
type Class int

const (
	// ClassUsage: the request cannot succeed as it is (a bad parameter,
	// an unknown table or export, PITR disabled, a reused token); fix it.
	ClassUsage Class = iota + 1
	// ClassUnavailable: the request could not be done now (a conflict,
	// the limit of concurrent exports, internal errors after retries,
	// throttling, no connection); the same request may succeed later.
	ClassUnavailable
	// ClassFailed: the export ran and FAILED.
	ClassFailed
)

func (c Class) String() string {
	switch c {
	case ClassUsage:
		return "usage"
	case ClassUnavailable:
		return "unavailable"
	case ClassFailed:
		return "failed"
	}
	return "unknown"
}

// Error codes of the API (the SDK's error type names).
const (
	CodeValidation                  = "ValidationException"
	CodeExportConflict              = "ExportConflictException"
	CodeExportNotFound              = "ExportNotFoundException"
	CodeInternalServerError         = "InternalServerError"
	CodeInvalidExportTime           = "InvalidExportTimeException"
	CodeLimitExceeded               = "LimitExceededException"
	CodePointInTimeRecoveryUnavail  = "PointInTimeRecoveryUnavailableException"
	CodeTableNotFound               = "TableNotFoundException"
	CodeIdempotentParameterMismatch = "IdempotentParameterMismatchException"
	// CodeExportFailed is the Code of an Error for an export that FAILED;
	// the export's FailureCode is in the message.
	CodeExportFailed = "ExportFailed"
)

// An Error is a failed call (or a FAILED export) explained: Code is the
// API's error code ("" for a transport failure), Message says what
// happened and what to do, Class how a command should exit.
type Error struct {
	Op      string // ExportTableToPointInTime, DescribeExport, ListExports
	Code    string
	Message string
	Class   Class
	Err     error // the SDK's error, if any
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// retryable reports whether err is worth another attempt: an internal
// error, throttling, or any 5xx.
func retryable(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case CodeInternalServerError, "ThrottlingException", "ProvisionedThroughputExceededException",
			"RequestLimitExceeded", "ServiceUnavailable", "InternalFailure":
			return true
		}
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 500
}

// explain turns an SDK error into an *Error; attempts is how many calls
// were made. subject names what the call was about (a table or export
// ARN) for the message.
func explain(op, subject string, err error, attempts int) *Error {
	var pe ParamErrors
	if errors.As(err, &pe) {
		return &Error{Op: op, Code: CodeValidation, Class: ClassUsage, Message: pe.Error(), Err: err}
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		var oe *smithy.OperationError
		msg := err.Error()
		if errors.As(err, &oe) {
			msg = oe.Err.Error()
		}
		return &Error{Op: op, Class: ClassUnavailable, Err: err,
			Message: fmt.Sprintf("%s: cannot reach DynamoDB: %s", op, firstLine(msg))}
	}
	code, msg := ae.ErrorCode(), ae.ErrorMessage()
	e := &Error{Op: op, Code: code, Err: err, Class: ClassUsage}
	say := func(format string, args ...any) { e.Message = fmt.Sprintf(format, args...) }
	switch code {
	case CodeValidation:
		say("%s: the request is invalid: %s", op, msg)
	case CodeTableNotFound:
		say("table %s not found (%s): check the ARN's account, region and table name; the account asked is that of your credentials, in the ARN's region", subject, msg)
	case CodePointInTimeRecoveryUnavail:
		name := subject
		if a, err := ParseTableARN(subject); err == nil {
			name = a.Table
		}
		say("point-in-time recovery is not enabled on table %s (%s): exports read the PITR backup; enable it with\n"+
			"  aws dynamodb update-continuous-backups --table-name %s --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true\n"+
			"then retry (times before it was enabled cannot be exported)", subject, msg, name)
	case CodeInvalidExportTime:
		say("the export time is outside table %s's point-in-time recovery window (%s): the window runs from when PITR was enabled, at most 35 days back, to now", subject, msg)
	case CodeIdempotentParameterMismatch:
		say("the client token was used in the last 8 hours for an export with other parameters (%s): repeat that request exactly, or leave --client-token out for a new export", msg)
	case CodeExportNotFound:
		say("no export %s (%s): list the exports with `ddbexport export list`", subject, msg)
	case CodeExportConflict:
		e.Class = ClassUnavailable
		say("another export to the same S3 bucket and prefix is in progress (%s): wait for it to finish, or choose another --s3-prefix", msg)
	case CodeLimitExceeded:
		e.Class = ClassUnavailable
		say("too many exports are in progress in this account and region (%s): DynamoDB runs up to 300 at once; wait for some to finish", msg)
	case CodeInternalServerError:
		e.Class = ClassUnavailable
		say("%s: DynamoDB had an internal error %s (%s): try again later", op, times(attempts), msg)
	case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"MissingAuthenticationTokenException", "ExpiredTokenException":
		say("%s: %s: %s (check your AWS credentials, profile and region)", op, code, msg)
	default:
		if retryable(err) {
			e.Class = ClassUnavailable
			say("%s: %s %s: %s: try again later", op, code, times(attempts), msg)
		} else {
			say("%s: %s: %s", op, code, msg)
		}
	}
	return e
}

func times(n int) string {
	if n <= 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
