package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 is a store in an S3 bucket, below a key prefix.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"
	name   string
}

// maxDeleteBatch is the most keys one DeleteObjects call may name.
const maxDeleteBatch = 1000

func openS3URL(ctx context.Context, rawURL string, u *url.URL) (*S3, error) {
	c, err := parseS3URL(rawURL, u)
	if err != nil {
		return nil, err
	}
	var opts []func(*config.LoadOptions) error
	if c.region != "" {
		opts = append(opts, config.WithRegion(c.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: AWS configuration: %w", rawURL, err)
	}
	if cfg.Region == "" {
		// S3-compatible servers accept any region in the signature;
		// AWS itself redirects to the right one.
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.endpoint != "" {
			o.BaseEndpoint = aws.String(c.endpoint)
		}
		o.UsePathStyle = c.pathStyle
		// Checksums only where the API requires one: every object
		// carries its own CRCs, and several S3-compatible servers reject
		// the SDK's default trailing checksums.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	name := "s3://" + c.bucket + "/" + c.prefix
	return &S3{client: client, bucket: c.bucket, prefix: c.prefix, name: name}, nil
}

func (s *S3) String() string { return s.name }

func (s *S3) fail(op, key string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			err = fmt.Errorf("%w (%s)", ErrNotFound, ae.ErrorCode())
		case "PreconditionFailed", "ConditionalRequestConflict":
			err = fmt.Errorf("%w (%s)", ErrExists, ae.ErrorCode())
		}
	}
	var nk *types.NoSuchKey
	if errors.As(err, &nk) && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return &Error{Store: s.name, Op: op, Key: key, Err: err}
}

// List pages through ListObjectsV2, 1,000 keys per request.
func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, s.fail("list", prefix, err)
	}
	var out []Object
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list", prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if len(key) < len(s.prefix) {
				continue
			}
			obj := Object{Key: key[len(s.prefix):], Size: aws.ToInt64(o.Size)}
			if o.LastModified != nil {
				obj.Modified = *o.LastModified
			}
			out = append(out, obj)
		}
	}
	return out, nil
}

// ReadRange is a ranged GET; the body is read up to n bytes, never more,
// whatever the server sends.
func (s *S3) ReadRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	if err := CheckKey(key); err != nil {
		return nil, s.fail("read", key, err)
	}
	if off < 0 || n < 0 {
		return nil, s.fail("read", key, errors.New("negative range"))
	}
	if n == 0 {
		return nil, nil
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.prefix + key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	})
	if err != nil {
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusRequestedRangeNotSatisfiable {
			return nil, nil // the object ends before off
		}
		return nil, s.fail("read", key, err)
	}
	defer out.Body.Close()
	// One allocation of the size the server announces (never more than
	// asked for), so that reading a segment does not grow a buffer by
	// doubling, which left several times its size to the collector.
	size := n
	if cl := out.ContentLength; cl != nil && *cl >= 0 && *cl < size {
		size = *cl
	}
	buf := make([]byte, size)
	m, err := io.ReadFull(out.Body, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, s.fail("read", key, err)
	}
	return buf[:m], nil
}

// Create is a PUT with If-None-Match: *, which the server refuses with
// 412 when the key exists.
func (s *S3) Create(ctx context.Context, key string, data []byte) error {
	if err := CheckKey(key); err != nil {
		return s.fail("create", key, err)
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.prefix + key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		IfNoneMatch: aws.String("*"),
	})
	if err != nil {
		return s.fail("create", key, err)
	}
	return nil
}

// Delete is DeleteObjects in batches of 1,000; the first key the server
// could not delete is an error.
func (s *S3) Delete(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		batch := keys[:min(len(keys), maxDeleteBatch)]
		keys = keys[len(batch):]
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			if err := CheckKey(k); err != nil {
				return s.fail("delete", k, err)
			}
			ids[i] = types.ObjectIdentifier{Key: aws.String(s.prefix + k)}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &s.bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return s.fail("delete", batch[0], err)
		}
		for _, e := range out.Errors {
			if aws.ToString(e.Code) == "NoSuchKey" {
				continue
			}
			return s.fail("delete", aws.ToString(e.Key), fmt.Errorf("%s: %s", aws.ToString(e.Code), aws.ToString(e.Message)))
		}
	}
	return nil
}
