package ddbexport_test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ddbexport/ddbexport"

// allowed is policy: the module packages each package may import. Data
// flows one way: store → manifest → codec → pipeline → verify / sinks →
// cmd. Do not widen an entry to make a build pass; move the code instead.
// cmd/ddbexport and bench may import anything; nothing may import a
// command, and only the command (for ddbexport bench) may import bench.
var allowed = map[string][]string{
	"store":                   {},
	"store/localfs":           {"store"},
	"store/storetest":         {"store"},
	"store/s3":                {"store"},
	"store/s3/s3test":         {},
	"codec":                   {},
	"codec/internal/arena":    {"codec"},
	"codec/internal/digits":   {},
	"codec/internal/dupcheck": {"codec"},
	"codec/internal/lines":    {"codec"},
	"codec/internal/shape":    {"codec"},
	"codec/internal/utf8seq":  {},
	"codec/ddbjson":           {"codec", "codec/internal/arena", "codec/internal/digits", "codec/internal/dupcheck", "codec/internal/lines", "codec/internal/shape", "codec/internal/utf8seq"},
	"codec/ion":               {"codec", "codec/internal/arena", "codec/internal/digits", "codec/internal/dupcheck", "codec/internal/lines", "codec/internal/shape", "codec/internal/utf8seq"},
	"manifest":                {"store", "codec"},
	"pipeline":                {"store", "manifest", "codec"},
	"verify":                  {"store", "manifest", "pipeline", "codec"},
	"sink/export":             {"codec", "manifest", "store"},
	"sink/parquet":            {"codec", "codec/ddbjson", "store"},
	"gen":                     {"codec", "manifest", "store", "sink/export"},
	"internal/progress":       {},
	"internal/memtest":        {},
	"internal/exporttest":     {"codec", "manifest", "pipeline", "store", "verify"},

	// codectest holds the format decoders' test helpers: only their tests
	// import it.
	"codec/internal/codectest": {"codec"},
	// merge reads every input through verify.Verify (the checks and the
	// records on one pass, as convert does) and writes through sink/export.
	"merge": {"store", "manifest", "codec", "pipeline", "sink/export", "verify"},
	// exportapi drives the export API over the SDK's dynamodb client:
	// stdlib and the SDK only, so any program can validate and start exports.
	"exportapi": {},
	// exportapi/server is the local export service: exportapi for the API's
	// rules and ARNs; sink/export writes the exports; store (and
	// store/localfs for bucket folders) is where; codec, codec/ddbjson and
	// codec/ion read items files and encode both formats; manifest reads an
	// existing export given as a table's items; gen sizes items
	// (billedSizeBytes) as the generator does.
	"exportapi/server": {"exportapi", "sink/export", "gen", "store", "store/localfs", "codec", "codec/ddbjson", "codec/ion", "manifest"},
}

func TestDependencyPolicy(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			if strings.HasPrefix(dep, "cmd/") {
				t.Errorf("%s imports %s: nothing may import a command", rel, dep)
				continue
			}
			if (dep == "bench" || strings.HasPrefix(dep, "bench/")) && !strings.HasPrefix(rel, "cmd/") && rel != "bench" && !strings.HasPrefix(rel, "bench/") {
				t.Errorf("%s imports %s: only the command (ddbexport bench) may import the bench harness", rel, dep)
				continue
			}
			if strings.HasPrefix(rel, "cmd/") || rel == "bench" || strings.HasPrefix(rel, "bench/") {
				continue
			}
			list, ok := allowed[rel]
			if !ok {
				t.Errorf("package %s is not in the dependency policy (deps_test.go)", rel)
				break
			}
			if !slices.Contains(list, dep) {
				t.Errorf("%s may not import %s (allowed: %v)", rel, dep, list)
			}
		}
	}
}
