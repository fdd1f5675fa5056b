// Package remote is where dbrescue keeps backups away from the machine
// that runs the database: object storage reached through the S3 API
// (s3://BUCKET/PREFIX: AWS S3, Cloudflare R2, Backblaze B2, GCS interop,
// Ceph, SeaweedFS, versitygw, MinIO) or a directory (file://DIR, a local
// disk or a mounted network share).
//
// A Store is the whole contract, and it is small on purpose, like
// Litestream's replica clients: list the objects under a key prefix, read
// a byte range of one, create one that must not exist yet, delete some.
// Objects are never rewritten, so nothing needs more than that: package
// backup builds its versions, segments and locks out of these four
// operations and never asks a store to do anything clever.
//
// Create is create-only: it fails with ErrExists when the key exists. On
// S3 that is a PUT with If-None-Match: *, which the server turns into 412
// Precondition Failed; a directory does the same with a hard link of a
// fully written, fsynced temporary file, which either appears whole under
// its name or not at all. Two writers therefore never overwrite each
// other, and a reader never sees half an object.
//
// Credentials and the region come from the standard AWS chain
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION, AWS_PROFILE, ~/.aws/config and credentials, AWS_ENDPOINT_URL_S3,
// instance roles), never from the URL, so they stay out of logs and shell
// history. The URL only says where: ?endpoint=URL for an S3-compatible
// server, &path-style=true for servers that do not route buckets by host
// name (the default for an endpoint that is an IP address or localhost),
// &region=R.
//
// What it does not know: what the objects hold. It moves bytes; backup
// decides the layout, the formats, the encryption and every check of what
// it reads back. Nothing here trusts the server beyond that: sizes it
// reports are bounds the caller passes in, not allocations.
package remote
