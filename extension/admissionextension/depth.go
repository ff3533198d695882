package admissionextension

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/otelcol-sre/otelcol-sre/internal/admission"
)

// depthCodec checks nesting before the registered "proto" codec (pdata's) decodes a request.
// A codec is the only gRPC hook that sees the bytes before they are decoded: interceptors get
// the decoded message, by which time a hostile payload has already overflowed the stack.
type depthCodec struct {
	delegate encoding.CodecV2
	limit    int
}

func newDepthCodec(limit int) *depthCodec {
	return &depthCodec{delegate: encoding.GetCodecV2("proto"), limit: limit}
}

func (c *depthCodec) Marshal(v any) (mem.BufferSlice, error) { return c.delegate.Marshal(v) }

func (c *depthCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if len(data) != 1 {
		// Flatten once and hand the delegate the flat copy, which it then uses without copying.
		data = mem.BufferSlice{mem.SliceBuffer(data.Materialize())}
	}
	if admission.ProtoDepthExceeds(data[0].ReadOnlyData(), c.limit) {
		return status.Error(codes.InvalidArgument, c.message())
	}
	return c.delegate.Unmarshal(data, v)
}

func (c *depthCodec) Name() string { return c.delegate.Name() }

func (c *depthCodec) message() string {
	return fmt.Sprintf("admission: the request nests messages more than %d levels deep (max_nesting_depth)", c.limit)
}

// checkHTTPDepth reads the (already decompressed and size-limited) body, refuses it with 400
// when it nests too deeply, and otherwise hands the handler the same bytes.
func (a *admissionExt) checkHTTPDepth(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		// The size limit and decompression errors surface here; let the receiver answer them.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return true
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var tooDeep bool
	switch mediaType {
	case "application/json":
		tooDeep = admission.JSONDepthExceeds(body, 2*a.cfg.MaxNestingDepth)
	default:
		tooDeep = admission.ProtoDepthExceeds(body, a.cfg.MaxNestingDepth)
	}
	if tooDeep {
		http.Error(w, a.depth.message(), http.StatusBadRequest)
		return false
	}
	return true
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
