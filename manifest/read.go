package manifest

import (
	"context"
	"crypto/md5"
	"errors"
	"io"
	"strings"

	"github.com/ddbexport/ddbexport/store"
)

// MaxSummaryBytes bounds manifest-summary.json when it is read whole.
const MaxSummaryBytes = 1 << 20

// ReadFiles reads a files manifest from st, hashing its exact bytes as they
// stream. It returns the files, a *SyntaxError for each line that cannot
// be parsed (the others are still returned), and the MD5 of the manifest.
// The error is for what stops the read (missing object, I/O).
func ReadFiles(ctx context.Context, st store.Store, key string) (files []File, bad []*SyntaxError, sum [md5.Size]byte, err error) {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return nil, nil, sum, err
	}
	defer rc.Close()
	h := md5.New()
	for f, err := range ParseFiles(key, io.TeeReader(rc, h)) {
		var se *SyntaxError
		switch {
		case errors.As(err, &se):
			bad = append(bad, se)
			if f.DataFileS3Key != "" {
				files = append(files, f) // read in part: see ParseFileLine
			}
		case err != nil:
			return nil, nil, sum, err
		default:
			files = append(files, f)
		}
	}
	copy(sum[:], h.Sum(nil))
	return files, bad, sum, nil
}

// A ChecksumCheck is the outcome of checking a manifest against its .md5
// file.
type ChecksumCheck struct {
	// File is the checksum file read, or the .md5 name looked for first
	// when none was found.
	File string
	// Found tells whether a checksum file exists. Without one nothing was
	// checked.
	Found bool
	// Want is the checksum file's content, trimmed (only its first
	// MaxChecksumBytes when it is longer); Got the base64 MD5 of the
	// manifest's bytes.
	Want, Got string
	// OK is true when Want is a base64 MD5 equal to Got.
	OK bool
}

// MaxChecksumBytes bounds the checksum file read by CheckMD5. A real one
// is 24 bytes; a longer file cannot hold a valid MD5 and is a mismatch.
const MaxChecksumBytes = 1 << 10

// ChecksumNames returns the names of the checksum files of a manifest, in
// the order to look for them: "<base>.md5" as every real export names
// them, then "<base>.checksum" as DynamoDB's documentation does.
func ChecksumNames(manifestKey string) []string {
	base := strings.TrimSuffix(manifestKey, ".json")
	return []string{base + ".md5", base + ".checksum"}
}

// CheckMD5 checks sum, the MD5 of the manifest at key, against the first
// of its checksum files (see ChecksumNames) that exists. The error is for
// a checksum file that exists but cannot be read.
func CheckMD5(ctx context.Context, st store.Store, key string, sum [md5.Size]byte) (ChecksumCheck, error) {
	names := ChecksumNames(key)
	c := ChecksumCheck{File: names[0], Got: EncodeMD5(sum)}
	for _, name := range names {
		raw, tooLarge, err := readPrefix(ctx, st, name, MaxChecksumBytes)
		if errors.Is(err, store.ErrNotExist) {
			continue
		}
		if err != nil {
			return c, err
		}
		c.File, c.Found = name, true
		c.Want = strings.TrimSpace(string(raw))
		if tooLarge {
			// Content, not I/O: a file this long cannot hold an MD5.
			return c, nil
		}
		want, err := DecodeMD5(c.Want)
		c.OK = err == nil && want == sum
		return c, nil
	}
	return c, nil
}

// readPrefix reads at most the first n bytes of the object at key, and
// tells whether there are more.
func readPrefix(ctx context.Context, st store.Store, key string, n int64) (b []byte, more bool, err error) {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	b, err = io.ReadAll(io.LimitReader(rc, n+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > n {
		return b[:n], true, nil
	}
	return b, false, nil
}
