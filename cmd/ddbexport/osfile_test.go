package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/verify"
)

// TestVerify_osFilesAreWarnings: the files Finder and Explorer leave in a
// copied folder are warnings (exit 0), --strict findings; any other
// unlisted file stays an extra_file finding.
func TestVerify_osFilesAreWarnings(t *testing.T) {
	e := genExport(t, gen.Options{Items: 20, Files: 2, Seed: 95})
	for _, name := range []string{".DS_Store", "._aaaa.json.gz", "Thumbs.db", "desktop.ini"} {
		e.write(filepath.Join(e.exportDir(), "data", name), []byte("junk"))
	}
	code, rep, _ := e.verify()
	if code != 0 || len(rep.Findings) != 0 {
		t.Fatalf("exit %d, findings %v", code, rep.Findings)
	}
	var files []string
	for _, w := range rep.Warnings {
		if w.Kind == verify.WarnOSFile {
			files = append(files, filepath.Base(w.File))
		}
	}
	slices.Sort(files)
	if want := []string{".DS_Store", "._aaaa.json.gz", "Thumbs.db", "desktop.ini"}; !slices.Equal(files, want) {
		t.Errorf("os_file warnings for %v, want %v", files, want)
	}
	if code, _, _ := e.verify("--strict"); code != 1 {
		t.Errorf("--strict: exit %d, want 1", code)
	}
	e.write(filepath.Join(e.exportDir(), "data", "DS_Store"), []byte("junk"))
	if code, rep, _ := e.verify(); code != 1 || !slices.Equal(kindSet(rep.Findings), []string{verify.KindExtraFile}) {
		t.Errorf("an ordinary extra file: exit %d, %v", code, rep.Findings)
	}
}
