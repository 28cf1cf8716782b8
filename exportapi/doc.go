// Package exportapi drives DynamoDB's ExportTableToPointInTime API over the
// SDK's unmodified dynamodb client: it validates every request parameter
// before any call ([Params.Validate]), starts an export ([Start]), describes
// one ([Describe]), lists a table's or an account's exports across every
// page ([List]) and follows one until it is COMPLETED or FAILED ([Wait]).
//
// Every error of the API is mapped to an [*Error] with a message that says
// what happened and what to do, and a [Class] that a command turns into an
// exit code. InternalServerError, throttling and 5xx responses are retried
// with capped exponential backoff; Start is safe to retry because it always
// sends a ClientToken (generated when the caller gives none).
//
// The rules checked here are the API's documented constraints (required
// parameters, enum values, lengths, the bucket name pattern, an export time
// not in the future, an incremental window of 15 minutes to 24 hours). The
// same rules, rendered in DynamoDB's own message shape, are what the local
// service in exportapi/server answers with ([ParamErrors.DynamoDBMessage]).
package exportapi
