package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	_ "github.com/ddbexport/ddbexport/codec/ddbjson" // registers the DYNAMODB_JSON codec
	_ "github.com/ddbexport/ddbexport/codec/ion"     // registers the ION codec
)

// Exit codes, documented in the README and in `ddbexport help`.
const (
	exitOK          = 0
	exitFindings    = 1
	exitCannotCheck = 2
	exitInterrupted = 130
)

const exitStatusHelp = `
Exit status:
  0    intact: every check passed (warnings do not count, unless --strict)
  1    findings: the export does not match its manifest, or a record is bad
  2    could not check: usage error, unreadable path, I/O or permissions
  130  interrupted`

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitCannotCheck, err: fmt.Errorf(format, args...)}
}

// exitCode returns an error that makes run exit with code without printing
// anything more.
func exitCode(code int) error { return &exitError{code: code} }

// run is the whole program: it parses args, runs the command and returns
// the exit code. It has no globals and never calls os.Exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "Interrupted.")
		return exitInterrupted
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", ee.err)
		}
		return ee.code
	}
	// Errors from cobra itself: unknown command, bad flag.
	fmt.Fprintf(stderr, "Error: %v\nTry: ddbexport help\n", err)
	return exitCannotCheck
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ddbexport",
		Short: "Verify, read and generate Amazon DynamoDB table exports",
		Long: `ddbexport proves a DynamoDB table export (ExportTableToPointInTime output)
whole and intact against its manifests, prints its items, and generates
realistic exports to test with.

PATH may be the export folder (AWSDynamoDB/<export-id>/), its
manifest-summary.json, the folder above AWSDynamoDB/, or any folder above
that, such as a whole bucket copied with "aws s3 sync s3://bucket DIR"; or
the same in S3, as s3://BUCKET/PREFIX (credentials and region from the
standard AWS configuration, and the flags below).` + "\n" + exitStatusHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	addAWSFlags(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitCannotCheck, err: fmt.Errorf("%v\nTry: %s --help", err, c.CommandPath())}
	})
	root.AddCommand(newVerifyCmd(stdout, stderr), newCatCmd(stdout, stderr), newConvertCmd(stdout, stderr), newSchemaCmd(stdout, stderr), newGenCmd(stdout, stderr), newBenchCmd(stdout, stderr), newExportCmd(stdout, stderr), newServeCmd(stdout, stderr), newReportCmd(stdout), newMergeCmd(stdout, stderr), newVersionCmd(stdout))
	root.CompletionOptions.HiddenDefaultCmd = true
	return root
}

// isTerminal reports whether w is a terminal, for progress display.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isTerminalFd(f.Fd())
}

// oneArg accepts exactly one argument, named name in the error.
func oneArg(name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usageErrorf("%s needs %s\nTry: %s --help", cmd.CommandPath(), name, cmd.CommandPath())
		case len(args) > 1:
			return usageErrorf("%s takes one %s, not %d arguments (quote a path with spaces)\nTry: %s --help", cmd.CommandPath(), name, len(args), cmd.CommandPath())
		}
		return nil
	}
}
