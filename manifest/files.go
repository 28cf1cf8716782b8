package manifest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
)

// A File is one line of manifest-files.json: one data file of the export.
type File struct {
	ItemCount     int64  // records (lines) in the data file
	MD5Checksum   string // base64 of the MD5 of the stored (compressed) bytes
	ETag          string // S3 ETag of the stored object, hex with a -<parts> suffix
	DataFileS3Key string // full S3 key, including the export's prefix
	Line          int    // 1-based line in manifest-files.json; 0 if not read from one
}

// MD5 decodes MD5Checksum.
func (f *File) MD5() ([md5.Size]byte, error) { return DecodeMD5(f.MD5Checksum) }

// ETagParts returns the part count of the ETag's -N suffix, or 0 if the
// ETag has none.
func (f *File) ETagParts() int {
	i := strings.LastIndexByte(f.ETag, '-')
	if i < 0 {
		return 0
	}
	digits := f.ETag[i+1:]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// ETagFor returns the ETag S3 gives a single-part upload with content MD5
// sum: hex(MD5(sum)) + "-1", as in every real export (export-format.md §3).
func ETagFor(sum [md5.Size]byte) string {
	h := md5.Sum(sum[:])
	return hex.EncodeToString(h[:]) + "-1"
}

// DecodeMD5 decodes a base64 MD5 such as manifests and .md5 files hold:
// standard base64 with padding, 24 characters, in the one canonical form
// (EncodeMD5's). A 32-digit hex form is accepted too. Surrounding white
// space is ignored.
func DecodeMD5(s string) ([md5.Size]byte, error) {
	var sum [md5.Size]byte
	s = strings.TrimSpace(s)
	if len(s) == 2*md5.Size {
		if _, err := hex.Decode(sum[:], []byte(s)); err == nil {
			return sum, nil
		}
	}
	// The decoder skips "\r" and "\n" and ignores stray bits in the last
	// character; only the canonical text is accepted.
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != md5.Size || base64.StdEncoding.EncodeToString(b) != s {
		return [md5.Size]byte{}, fmt.Errorf("manifest: %q is not a base64 MD5", truncate(s, 64))
	}
	copy(sum[:], b)
	return sum, nil
}

// EncodeMD5 returns the base64 form DynamoDB writes.
func EncodeMD5(sum [md5.Size]byte) string { return base64.StdEncoding.EncodeToString(sum[:]) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// MaxFilesLineBytes bounds one line of manifest-files.json.
const MaxFilesLineBytes = 64 << 10

type fileJSON struct {
	ItemCount     json.RawMessage `json:"itemCount"`
	MD5Checksum   *string         `json:"md5Checksum"`
	ETag          *string         `json:"etag"`
	DataFileS3Key *string         `json:"dataFileS3Key"`
}

// ParseFileLine parses one line of manifest-files.json. Unknown keys are
// ignored; itemCount and dataFileS3Key are required. When only itemCount
// is wrong, the File returned with the error has the other fields and an
// ItemCount of -1, so that the data file can still be checked.
func ParseFileLine(line []byte) (File, error) {
	var j fileJSON
	if err := decodeObject(line, &j); err == errTrailingData {
		return File{}, err
	} else if err != nil {
		return File{}, fmt.Errorf("not a JSON object: %v", err)
	}
	var f File
	if j.DataFileS3Key == nil || *j.DataFileS3Key == "" {
		return File{}, errors.New("dataFileS3Key is missing")
	}
	f.DataFileS3Key = *j.DataFileS3Key
	if j.MD5Checksum != nil {
		f.MD5Checksum = *j.MD5Checksum
	}
	if j.ETag != nil {
		f.ETag = *j.ETag
	}
	f.ItemCount = -1
	if len(j.ItemCount) == 0 || string(j.ItemCount) == "null" {
		return f, errors.New("itemCount is missing")
	}
	n, err := strconv.ParseInt(string(j.ItemCount), 10, 64)
	if err != nil || n < 0 {
		return f, fmt.Errorf("itemCount %s is not a non-negative integer", truncate(string(j.ItemCount), 40))
	}
	f.ItemCount = n
	return f, nil
}

// ParseFiles reads manifest-files.json line by line. It yields each File,
// or a *SyntaxError for a line that cannot be parsed, and goes on with the
// next line; a read error is yielded last. Blank lines are skipped. name
// is used in errors.
func ParseFiles(name string, r io.Reader) iter.Seq2[File, error] {
	return func(yield func(File, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		lineNo := 0
		for {
			line, err := readLine(br, MaxFilesLineBytes)
			if len(line) > 0 || err == nil || err == errLineTooLong {
				lineNo++
			}
			if err == errLineTooLong {
				if !yield(File{Line: lineNo}, &SyntaxError{File: name, Line: lineNo, Msg: "line longer than 64 KiB"}) {
					return
				}
				continue
			}
			if len(bytes.TrimSpace(line)) > 0 {
				f, perr := ParseFileLine(line)
				f.Line = lineNo
				if perr != nil {
					if !yield(f, &SyntaxError{File: name, Line: lineNo, Msg: perr.Error()}) {
						return
					}
				} else if !yield(f, nil) {
					return
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(File{}, err)
				return
			}
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its "\n"; at the end it returns
// the final unterminated line (possibly empty) with io.EOF. A line longer
// than max is consumed and reported as errLineTooLong.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		n := len(line) + len(chunk)
		if err == nil {
			n-- // the "\n"
		}
		if n > max {
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return line[:len(line)-1], nil
		default:
			return line, err
		}
	}
}

// Marshal returns f as a line of manifest-files.json, as DynamoDB writes
// it: keys itemCount, md5Checksum, etag, dataFileS3Key, ending in "\n".
func (f *File) Marshal() []byte {
	b := []byte(`{"itemCount":`)
	b = strconv.AppendInt(b, f.ItemCount, 10)
	b = append(b, `,"md5Checksum":`...)
	b = appendJSONString(b, f.MD5Checksum)
	b = append(b, `,"etag":`...)
	b = appendJSONString(b, f.ETag)
	b = append(b, `,"dataFileS3Key":`...)
	b = appendJSONString(b, f.DataFileS3Key)
	return append(b, '}', '\n')
}

// MD5File returns the content of a .md5 file for data: the base64 MD5 of
// the exact bytes, 24 characters, no newline.
func MD5File(data []byte) []byte { return []byte(EncodeMD5(md5.Sum(data))) }
