// Package s3store is an s3sync.ObjectStore on S3 or an S3-compatible server
// such as MinIO, through minio-go.
//
// # Basics
//
// Open a store with New(Options{...}); the flags --s3 s3://bucket/prefix,
// --s3-endpoint and --s3-insecure map onto ParseURL, Endpoint and Insecure.
// Object keys are the store's Prefix followed by the s3sync key.
// PutIfAbsent is a PUT with "If-None-Match: *", which MinIO and AWS S3 both
// evaluate atomically on the server; a 412 Precondition Failed becomes
// s3sync.ErrExists.
//
// # Caveats
//
//   - New makes no request: a dead endpoint shows up as errors from the
//     calls, never as a failure to start. EnsureBucket checks (and creates)
//     the bucket when the caller wants to know early.
//   - A Put with size -1 buffers up to a part (16 MiB) in memory at a time
//     and uses a multipart upload; give the size when it is known.
//   - A server that ignores If-None-Match on PUT (old MinIO releases, some
//     other S3 clones) would silently break PutIfAbsent's promise; run the
//     conformance suite against a server before trusting it with two
//     writers.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/murr-sidecar/murr-sidecar/s3sync"
)

// DefaultEndpoint is AWS S3's endpoint, the default for Options.Endpoint.
const DefaultEndpoint = "s3.amazonaws.com"

// Options configure a Store. The zero value of each field means its
// documented default.
type Options struct {
	// Endpoint is host[:port] of the S3 API, without a scheme.
	// Default: DefaultEndpoint (AWS).
	Endpoint string
	// Bucket holds the objects. Required.
	Bucket string
	// Prefix is prepended to every key, as a directory: "murr/prod" and
	// "murr/prod/" both put key "k" at "murr/prod/k". Leading and trailing
	// slashes are ignored. Default: empty, the bucket's root.
	Prefix string
	// Insecure talks plain HTTP instead of HTTPS. Default: false (HTTPS).
	Insecure bool
	// Region of the bucket. Default: empty, which lets minio-go find it
	// (MinIO answers us-east-1).
	Region string
	// Creds sign the requests. Default: the standard chain, first that
	// gives a key wins: env AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
	// (+AWS_SESSION_TOKEN), env MINIO_ROOT_USER/MINIO_ROOT_PASSWORD or
	// MINIO_ACCESS_KEY/MINIO_SECRET_KEY, the shared files
	// ~/.aws/credentials and ~/.aws/config (AWS_PROFILE), then IAM (EC2
	// instance role, ECS/EKS container credentials, web identity).
	Creds *credentials.Credentials
	// Transport for the HTTP requests. Default: minio-go's default transport.
	Transport http.RoundTripper
}

// ParseURL parses "s3://bucket/prefix" (prefix optional) into Options with
// Bucket and Prefix set.
func ParseURL(s string) (Options, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Options{}, fmt.Errorf("s3store: url %q: %w", s, err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Options{}, fmt.Errorf("s3store: url %q: want s3://bucket/prefix", s)
	}
	o := Options{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	if err := o.Validate(); err != nil {
		return Options{}, fmt.Errorf("s3store: url %q: %w", s, err)
	}
	return o, nil
}

// Clone returns a copy of o (Creds and Transport are shared).
func (o Options) Clone() Options { return o }

// EnsureDefaults fills in every default left zero.
func (o *Options) EnsureDefaults() {
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint
	}
	o.Prefix = strings.Trim(o.Prefix, "/")
	if o.Creds == nil {
		o.Creds = DefaultCreds()
	}
}

// Validate reports every problem with o at once, or nil.
func (o *Options) Validate() error {
	var errs []error
	if o.Bucket == "" {
		errs = append(errs, errors.New("bucket is required"))
	} else if err := s3utils.CheckValidBucketNameStrict(o.Bucket); err != nil {
		errs = append(errs, fmt.Errorf("bucket %q: %w", o.Bucket, err))
	}
	if strings.Contains(o.Endpoint, "://") {
		errs = append(errs, fmt.Errorf("endpoint %q: give host:port without a scheme (and Insecure for http)", o.Endpoint))
	} else if strings.ContainsAny(o.Endpoint, "/?#") {
		errs = append(errs, fmt.Errorf("endpoint %q: give host:port only", o.Endpoint))
	}
	if p := strings.Trim(o.Prefix, "/"); p != "" {
		if err := s3sync.ValidKey(p); err != nil {
			errs = append(errs, fmt.Errorf("prefix: %w", err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("s3store: invalid options: %w", errors.Join(errs...))
}

// DefaultCreds returns the standard credential chain described on
// Options.Creds.
func DefaultCreds() *credentials.Credentials {
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
}

var _ s3sync.ObjectStore = (*Store)(nil)

// Store is an s3sync.ObjectStore in a bucket, under a prefix.
type Store struct {
	opts   Options
	client *minio.Client
	prefix string // "" or Options.Prefix + "/"
}

// New returns a store for opts, after EnsureDefaults and Validate on a
// clone. It makes no request.
func New(opts Options) (*Store, error) {
	o := opts.Clone()
	o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	client, err := minio.New(o.Endpoint, &minio.Options{
		Creds:     o.Creds,
		Secure:    !o.Insecure,
		Region:    o.Region,
		Transport: o.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: %w", err)
	}
	s := &Store{opts: o, client: client}
	if o.Prefix != "" {
		s.prefix = o.Prefix + "/"
	}
	return s, nil
}

// Options returns the options in effect, defaults filled in.
func (s *Store) Options() Options { return s.opts }

// Client returns the minio-go client, for what the interface does not cover.
func (s *Store) Client() *minio.Client { return s.client }

// EnsureBucket creates the bucket if it does not exist.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.opts.Bucket)
	if err != nil {
		return fmt.Errorf("s3store: bucket %s: %w", s.opts.Bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.opts.Bucket, minio.MakeBucketOptions{Region: s.opts.Region})
	if err != nil {
		if errResponse(err).Code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return fmt.Errorf("s3store: make bucket %s: %w", s.opts.Bucket, err)
	}
	return nil
}

func (s *Store) object(op, key string) (string, error) {
	if err := s3sync.ValidKey(key); err != nil {
		return "", fmt.Errorf("s3store: %s: %w", op, err)
	}
	return s.prefix + key, nil
}

// wrap adds the operation and key to err, mapping S3's "no such key" to
// s3sync.ErrNotFound.
func wrap(op, key string, err error) error {
	if errResponse(err).Code == minio.NoSuchKey {
		return fmt.Errorf("s3store: %s %s: %w", op, key, s3sync.ErrNotFound)
	}
	return fmt.Errorf("s3store: %s %s: %w", op, key, err)
}

// errResponse finds S3's error response in err's chain (minio-go's
// ToErrorResponse only looks at err itself).
func errResponse(err error) minio.ErrorResponse {
	var resp minio.ErrorResponse
	errors.As(err, &resp)
	return resp
}

// Put implements s3sync.ObjectStore.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	return s.put(ctx, "put", key, r, size, minio.PutObjectOptions{})
}

// PutIfAbsent implements s3sync.ObjectStore with a conditional PUT
// (If-None-Match: *).
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error {
	var opts minio.PutObjectOptions
	opts.SetMatchETagExcept("*")
	return s.put(ctx, "put-if-absent", key, r, size, opts)
}

func (s *Store) put(ctx context.Context, op, key string, r io.Reader, size int64, opts minio.PutObjectOptions) error {
	name, err := s.object(op, key)
	if err != nil {
		return err
	}
	// minio-go sends Content-Length: size and stops reading there; a longer
	// reader must fail like a short one does. A seekable reader keeps its
	// Seeker (minio-go retries with it) and is measured up front.
	if sk, ok := r.(io.Seeker); ok && size >= 0 {
		if n, err := remaining(sk); err != nil {
			return fmt.Errorf("s3store: %s %s: %w", op, key, err)
		} else if n != size {
			return fmt.Errorf("s3store: %s %s: reader has %d bytes, size says %d", op, key, n, size)
		}
	} else if size >= 0 {
		r = &exactReader{r: r, left: size}
	}
	_, err = s.client.PutObject(ctx, s.opts.Bucket, name, r, size, opts)
	if err == nil {
		return nil
	}
	err = ctxErr(ctx, err)
	resp := errResponse(err)
	if resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed" {
		return fmt.Errorf("s3store: %s %s: %w", op, key, s3sync.ErrExists)
	}
	return wrap(op, key, err)
}

// remaining returns how many bytes a seeker has left, keeping its offset.
func remaining(sk io.Seeker) (int64, error) {
	cur, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := sk.Seek(cur, io.SeekStart); err != nil {
		return 0, err
	}
	return end - cur, nil
}

// exactReader yields r's first left bytes, failing if r has fewer or more.
// It probes for an extra byte in the same Read that gives the last ones,
// so the upload fails before its body is complete.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, e.probe()
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case err == io.EOF && e.left > 0:
		return n, io.ErrUnexpectedEOF
	case err != nil && err != io.EOF:
		return n, err
	case e.left == 0:
		return n, e.probe()
	}
	return n, nil
}

// probe reads one byte past the end: io.EOF if there is none.
func (e *exactReader) probe() error {
	var one [1]byte
	for {
		n, err := e.r.Read(one[:])
		if n > 0 {
			return errors.New("reader gave more bytes than size says")
		}
		if err != nil {
			return err
		}
	}
}

// Get implements s3sync.ObjectStore.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, s3sync.ObjectInfo, error) {
	name, err := s.object("get", key)
	if err != nil {
		return nil, s3sync.ObjectInfo{}, err
	}
	obj, err := s.client.GetObject(ctx, s.opts.Bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, s3sync.ObjectInfo{}, wrap("get", key, ctxErr(ctx, err))
	}
	// Stat sends the GET and reads the response headers: one round trip,
	// and a missing key fails here rather than at the first Read.
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, s3sync.ObjectInfo{}, wrap("get", key, ctxErr(ctx, err))
	}
	return obj, s.info(oi), nil
}

// Stat implements s3sync.ObjectStore.
func (s *Store) Stat(ctx context.Context, key string) (s3sync.ObjectInfo, error) {
	name, err := s.object("stat", key)
	if err != nil {
		return s3sync.ObjectInfo{}, err
	}
	oi, err := s.client.StatObject(ctx, s.opts.Bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return s3sync.ObjectInfo{}, wrap("stat", key, ctxErr(ctx, err))
	}
	return s.info(oi), nil
}

// ctxErr makes sure an error caused by a done ctx says so to errors.Is.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return err
}

func (s *Store) info(oi minio.ObjectInfo) s3sync.ObjectInfo {
	return s3sync.ObjectInfo{
		Key:     strings.TrimPrefix(oi.Key, s.prefix),
		Size:    oi.Size,
		ModTime: oi.LastModified,
		ETag:    strings.Trim(oi.ETag, `"`),
	}
}

// List implements s3sync.ObjectStore with ListObjectsV2, which returns keys
// in byte order, 1000 to a page.
func (s *Store) List(ctx context.Context, prefix string, fn func(s3sync.ObjectInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for oi := range s.client.ListObjectsIter(ctx, s.opts.Bucket, minio.ListObjectsOptions{
		Prefix:    s.prefix + prefix,
		Recursive: true,
	}) {
		if oi.Err != nil {
			return fmt.Errorf("s3store: list %q: %w", prefix, ctxErr(ctx, oi.Err))
		}
		if err := fn(s.info(oi)); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("s3store: list %q: %w", prefix, err)
	}
	return nil
}

// Delete implements s3sync.ObjectStore. S3 answers a DELETE of a missing key
// with success, as the interface wants.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.object("delete", key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.opts.Bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return wrap("delete", key, ctxErr(ctx, err))
	}
	return nil
}
