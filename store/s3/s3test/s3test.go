// Package s3test runs a real S3-compatible server for tests: Versity's S3
// gateway (versitygw) serving a temporary folder on a free loopback port.
//
// Tests skip when the versitygw binary is absent, with a message naming
// the install command, except under CI=true, where they fail.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests are run with.
const Version = "v1.8.0"

// InstallCommand installs the server the tests need.
const InstallCommand = "go install github.com/versity/versitygw/cmd/versitygw@" + Version

// Region is the server's region.
const Region = "us-east-1"

// A Server is a running versitygw.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL       string
	AccessKey string
	SecretKey string
	// Dir is the folder the server serves: each bucket is a folder in it.
	Dir string

	cmd    *exec.Cmd
	exited chan error
	stderr *bytes.Buffer
	bin    string
	iamDir string // the accounts of StartIAM's server
}

// Binary returns the path of the versitygw binary: $VERSITYGW, versitygw
// on PATH, or $GOBIN, $GOPATH/bin or ~/go/bin, where go install puts it.
func Binary() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		for _, p := range filepath.SplitList(d) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not found on PATH, in $GOBIN, $GOPATH/bin or ~/go/bin")
}

// Start starts a server for t, stopped when t ends. Without the binary, it
// skips t (fails it under CI=true).
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartIAM is Start with the server's own accounts (versitygw's internal
// IAM): NewUser adds one, whose requests the server refuses as S3 refuses
// those of a principal without the permission (AccessDenied), where the
// root account's succeed.
func StartIAM(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

// NewUser adds an account of role user to a server from StartIAM and
// returns its access key and secret. It may use only buckets it owns:
// none of those NewBucket makes.
func (s *Server) NewUser(t testing.TB) (access, secret string) {
	t.Helper()
	if s.iamDir == "" {
		t.Fatal("s3test: NewUser needs a server from StartIAM")
	}
	key := make([]byte, 12)
	rand.Read(key)
	access, secret = "AKU"+strings.ToUpper(hex.EncodeToString(key[:8])), hex.EncodeToString(key)
	cmd := exec.Command(s.bin, "admin", "--access", s.AccessKey, "--secret", s.SecretKey, "--region", Region, "--endpoint-url", s.URL,
		"create-user", "--access", access, "--secret", secret, "--role", "user")
	cmd.Env = append(os.Environ(), "ADMIN_ACCESS_KEY_ID=", "ADMIN_SECRET_ACCESS_KEY=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("versitygw admin create-user: %v: %s", err, out)
	}
	return access, secret
}

func start(t testing.TB, iam bool) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		msg := fmt.Sprintf("S3 tests need a local S3 server: %v; install it with\n\t%s", err, InstallCommand)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	key := make([]byte, 12)
	rand.Read(key)
	s := &Server{AccessKey: "AK" + strings.ToUpper(hex.EncodeToString(key[:8])), SecretKey: hex.EncodeToString(key), Dir: t.TempDir(), bin: bin}
	if iam {
		s.iamDir = t.TempDir()
	}
	var lastErr error
	for range 5 { // another process may take the port between its choice and the bind
		if lastErr = s.start(bin); lastErr == nil {
			t.Cleanup(s.stop)
			return s
		}
	}
	t.Fatalf("starting %s: %v", bin, lastErr)
	return nil
}

func (s *Server) start(bin string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	s.stderr = new(bytes.Buffer)
	args := []string{"--port", addr, "--access", s.AccessKey, "--secret", s.SecretKey, "--region", Region, "--quiet"}
	if s.iamDir != "" {
		args = append(args, "--iam-dir", s.iamDir)
	}
	cmd := exec.Command(bin, append(args, "posix", s.Dir)...)
	cmd.Stdout = s.stderr
	cmd.Stderr = s.stderr
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID=", "ROOT_SECRET_ACCESS_KEY=")
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Wait until it accepts connections, or exits (the port was taken).
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("exited (%v): %s", err, s.stderr.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("not listening on %s after 60s: %s", addr, s.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.cmd = cmd
	s.URL = "http://" + addr
	s.exited = exited
	return nil
}

func (s *Server) stop() {
	if s.cmd != nil {
		s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}

// Client returns a client of the server at endpoint (s.URL, or a proxy in
// front of it), with path-style addressing and the SDK's standard retries
// without their rate limit (fault tests send many); opts change those.
func (s *Server) Client(endpoint string, opts ...func(*s3api.Options)) *s3api.Client {
	return s3api.New(s3api.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.RateLimiter = ratelimit.None
		}),
	}, opts...)
}

var bucketSeq struct {
	sync.Mutex
	n int
}

// NewBucket creates a new, empty bucket and returns its name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	bucketSeq.Lock()
	bucketSeq.n++
	name := fmt.Sprintf("test-%d", bucketSeq.n)
	bucketSeq.Unlock()
	if _, err := s.Client(s.URL).CreateBucket(context.Background(), &s3api.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return name
}
