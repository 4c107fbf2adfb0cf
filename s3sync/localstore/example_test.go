package localstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/s3sync"
	"github.com/murr-sidecar/murr-sidecar/s3sync/localstore"
)

func Example() {
	dir, _ := os.MkdirTemp("", "localstore-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := localstore.New(dir)
	if err != nil {
		panic(err)
	}
	_ = s.Put(ctx, "log/0002", strings.NewReader("second"), 6)
	_ = s.Put(ctx, "log/0001", strings.NewReader("first"), 5)

	// The conditional write: the first writer to claim a name wins.
	fmt.Println(s.PutIfAbsent(ctx, "writer-lock", strings.NewReader("node-a"), 6))
	err = s.PutIfAbsent(ctx, "writer-lock", strings.NewReader("node-b"), 6)
	fmt.Println(errors.Is(err, s3sync.ErrExists))

	_ = s.List(ctx, "log/", func(oi s3sync.ObjectInfo) error {
		rc, _, err := s.Get(ctx, oi.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		fmt.Println(oi.Key, oi.Size, string(b))
		return nil
	})

	_, err = s.Stat(ctx, "log/0003")
	fmt.Println(errors.Is(err, s3sync.ErrNotFound))
	// Output:
	// <nil>
	// true
	// log/0001 5 first
	// log/0002 6 second
	// true
}
