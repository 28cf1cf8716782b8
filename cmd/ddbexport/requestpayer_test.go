package main

import (
	"strings"
	"testing"
)

// TestRequestPayer_flag: --request-payer takes "requester", as the AWS
// CLI's flag does, and refuses anything else.
func TestRequestPayer_flag(t *testing.T) {
	if code, _, stderr := runCLI(t, "verify", "-q", "--request-payer", "requester", "../../testdata/export"); code != 0 {
		t.Errorf("--request-payer requester: exit %d, %s", code, stderr)
	}
	code, _, stderr := runCLI(t, "verify", "-q", "--request-payer", "owner", "../../testdata/export")
	if code != exitCannotCheck || !strings.Contains(stderr, "the only value is requester") {
		t.Errorf("--request-payer owner: exit %d, %s", code, stderr)
	}
}
