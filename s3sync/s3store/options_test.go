package s3store_test

import (
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/murr-sidecar/murr-sidecar/s3sync/s3store"
)

var minioStatOpts = minio.StatObjectOptions{}

func TestParseURL(t *testing.T) {
	for in, want := range map[string][2]string{
		"s3://bucket":               {"bucket", ""},
		"s3://bucket/":              {"bucket", ""},
		"s3://bucket/prefix":        {"bucket", "prefix"},
		"s3://my-bucket/a/b/c/":     {"my-bucket", "a/b/c"},
		"s3://features/prod":        {"features", "prod"},
		"s3://b.with.dots/x y/ünï/": {"b.with.dots", "x y/ünï"},
	} {
		o, err := s3store.ParseURL(in)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", in, err)
			continue
		}
		if o.Bucket != want[0] || o.Prefix != want[1] {
			t.Errorf("ParseURL(%q) = %q, %q; want %q, %q", in, o.Bucket, o.Prefix, want[0], want[1])
		}
	}
	for _, in := range []string{"", "bucket/prefix", "http://bucket/x", "s3:///prefix", "s3://Bad_Bucket/x",
		"s3://b/x/../y", "s3://b//x", "s3://user@bucket/x", "s3://bucket/x?versionId=1", "s3://ab/x"} {
		if o, err := s3store.ParseURL(in); err == nil {
			t.Errorf("ParseURL(%q) = %+v, want an error", in, o)
		}
	}
}

func TestValidateReportsEverything(t *testing.T) {
	o := s3store.Options{Endpoint: "http://minio:9000", Prefix: "a/../b"}
	err := o.Validate()
	if err == nil {
		t.Fatal("Validate passed")
	}
	for _, want := range []string{"bucket is required", "without a scheme", "prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q does not mention %q", err, want)
		}
	}
	if _, err := s3store.New(o); err == nil {
		t.Error("New accepted invalid options")
	}
}

func TestDefaults(t *testing.T) {
	s, err := s3store.New(s3store.Options{Bucket: "bucket", Prefix: "/p/q/"})
	if err != nil {
		t.Fatal(err)
	}
	o := s.Options()
	if o.Endpoint != s3store.DefaultEndpoint || o.Prefix != "p/q" || o.Creds == nil || o.Insecure {
		t.Fatalf("defaults: %+v", o)
	}
}
