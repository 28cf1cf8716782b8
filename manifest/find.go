package manifest

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/ddbexport/ddbexport/store"
)

// Names of the files in an export folder. DynamoDB's documentation names
// the checksum files *.checksum; every real export names them *.md5
// (export-format.md §1.1), so readers look for .md5 first.
const (
	SummaryName       = "manifest-summary.json"
	FilesName         = "manifest-files.json"
	SummaryMD5Name    = "manifest-summary.md5"
	FilesMD5Name      = "manifest-files.md5"
	SummaryChecksum   = "manifest-summary.checksum"
	FilesChecksumName = "manifest-files.checksum"
	StartedName       = "_started"
	RootName          = "AWSDynamoDB"
	DataDir           = "data/"
)

// A Ref locates one export in a store.
type Ref struct {
	// ID is the export ID, the name of the export folder.
	ID string
	// Root is the key prefix of the folder that holds the export folder
	// and the shared data/ folder (normally ".../AWSDynamoDB/"), ending in
	// "/", or "" when the store is rooted there.
	Root string
	// HasSummary and HasStarted tell whether manifest-summary.json and
	// _started exist.
	HasSummary, HasStarted bool
}

// Dir returns the key prefix of the export folder, ending in "/".
func (r Ref) Dir() string { return r.Root + r.ID + "/" }

// Key returns the key of a file in the export folder, such as SummaryName.
func (r Ref) Key(name string) string { return r.Dir() + name }

// String returns where the export is for messages: its folder's key.
func (r Ref) String() string { return strings.TrimSuffix(r.Dir(), "/") }

// DataKey maps a manifest key (dataFileS3Key or manifestFilesS3Key) to its
// key in the store. Manifest keys are bucket keys, "<s3Prefix>/AWSDynamoDB/…";
// a local copy may have been made from the bucket, from the prefix or from
// the AWSDynamoDB folder itself, so the key resolves by what follows its
// last "AWSDynamoDB/" segment, against Root. A key without that segment
// resolves after s3Prefix, against the folder above Root.
//
// s3Prefix is the summary's, with or without slashes around it; with a
// trailing slash, the doubled slash DynamoDB may then write after it is
// accepted. A key that is not a safe key (absolute, "." or "..", empty
// segments, backslashes, NUL), or that would resolve to one, is an error
// wrapping store.ErrUnsafeKey, and nothing is read.
func (r Ref) DataKey(s3Prefix, key string) (string, error) {
	rest, checked := key, key
	if p := strings.Trim(s3Prefix, "/"); p != "" {
		if after, ok := strings.CutPrefix(key, p+"/"); ok {
			if strings.HasSuffix(s3Prefix, "/") {
				after = strings.TrimPrefix(after, "/")
			}
			rest, checked = after, p+"/"+after
		}
	}
	if err := store.CheckKey(checked); err != nil {
		return "", &store.KeyError{Key: key}
	}
	var out string
	if after, ok := strings.CutPrefix(rest, RootName+"/"); ok {
		out = r.Root + after
	} else if i := strings.LastIndex(rest, "/"+RootName+"/"); i >= 0 {
		out = r.Root + rest[i+len(RootName)+2:]
	} else {
		parent := ""
		if r.Root != "" {
			parent = path.Dir(strings.TrimSuffix(r.Root, "/")) + "/"
			if parent == "./" {
				parent = ""
			}
		}
		out = parent + rest
	}
	if r.Root != "" && (!strings.HasSuffix(r.Root, "/") || store.CheckKey(strings.TrimSuffix(r.Root, "/")) != nil) {
		return "", &store.KeyError{Key: r.Root}
	}
	if err := store.CheckKey(out); err != nil {
		return "", err
	}
	return out, nil
}

// ErrNoExport is returned by Find when no export is found.
var ErrNoExport = errors.New("manifest: no DynamoDB export found (no AWSDynamoDB/<export-id>/ folder with manifest-summary.json or _started)")

// Find looks for exports in st under prefix (a key prefix ending in "/",
// or "" for the whole store). prefix may be an export folder itself, the
// folder above AWSDynamoDB/, or any folder above that, such as a whole
// bucket copied with aws s3 sync. An export is a folder holding
// manifest-summary.json or _started, below the store's root (a store
// rooted at the export folder itself finds nothing: root it one folder
// up). Files inside data folders are not taken for exports: a folder named
// "data" counts as an export's or the shared data folder unless an
// AWSDynamoDB folder follows it, as in a prefix named "data". Refs come
// back sorted by Root and ID; the error is ErrNoExport when none is found,
// or the store's listing error.
func Find(ctx context.Context, st store.Store, prefix string) ([]Ref, error) {
	found := map[string]*Ref{}
	var order []string
	note := func(dir, name string) {
		dir = strings.TrimSuffix(dir, "/")
		id := path.Base(dir)
		root := strings.TrimSuffix(dir, id)
		if dir == id {
			root = ""
		}
		k := root + id
		ref, ok := found[k]
		if !ok {
			ref = &Ref{ID: id, Root: root}
			found[k] = ref
			order = append(order, k)
		}
		switch name {
		case SummaryName:
			ref.HasSummary = true
		case StartedName:
			ref.HasStarted = true
		}
	}
	for obj, err := range st.List(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		dir, name := path.Split(obj.Key)
		if name != SummaryName && name != StartedName {
			continue
		}
		if dir == "" || inDataFolder(dir) {
			continue
		}
		note(dir, name)
	}
	if len(order) == 0 {
		return nil, ErrNoExport
	}
	refs := make([]Ref, 0, len(order))
	for _, k := range order {
		refs = append(refs, *found[k])
	}
	slices.SortFunc(refs, func(a, b Ref) int {
		if c := strings.Compare(a.Root, b.Root); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return refs, nil
}

// inDataFolder reports whether the folder dir (a key prefix ending in "/")
// is inside a data folder: it has a "data" segment that no "AWSDynamoDB"
// segment follows. A "data" segment before an AWSDynamoDB one is part of
// an S3 prefix.
func inDataFolder(dir string) bool {
	data := strings.TrimSuffix(DataDir, "/")
	in := false
	for seg := range strings.SplitSeq(dir, "/") {
		switch seg {
		case data:
			in = true
		case RootName:
			in = false
		}
	}
	return in
}

// Resolve maps a key of the export's manifests (a dataFileS3Key or the
// manifestFilesS3Key) to its key in the store, as DataKey does with the
// summary's s3Prefix, and one step more: keys in the export's own folder
// (AWSDynamoDB/<export ID>/…, the ID read from the export ARN) resolve
// against the folder the export was found in, even when a local copy
// gave that folder another name (aws s3 sync …/AWSDynamoDB/<id> ./mycopy,
// or a symbolic link).
func (r Ref) Resolve(s *Summary, key string) (string, error) {
	k, err := r.DataKey(s.S3Prefix, key)
	if err != nil {
		return "", err
	}
	if id := s.ExportID(); id != "" && id != r.ID {
		if rest, ok := strings.CutPrefix(k, r.Root+id+"/"); ok {
			return r.Dir() + rest, nil
		}
	}
	return k, nil
}
