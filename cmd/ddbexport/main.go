// Command ddbexport verifies, reads and generates Amazon DynamoDB table
// exports (ExportTableToPointInTime output in DYNAMODB_JSON).
//
// Exit status: 0 when the export is intact (or the command succeeded), 1
// when there are findings (the export does not match its manifest, or a
// record cannot be decoded), 2 when the check could not be done (usage
// error, unreadable path, I/O), 130 when interrupted.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
