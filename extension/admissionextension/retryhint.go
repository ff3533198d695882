package admissionextension

import (
	"net/http"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Refusals from behind the middleware (memory_limiter's "data refused due to high memory
// usage", an exporter queue that is full) reach the receiver as plain errors, which it turns
// into UNAVAILABLE or 503 without any retry hint. The middleware adds the one it gives for
// its own refusals, so every retryable refusal tells the client when to come back.

// withRetryInfo returns err with a RetryInfo of delay when it is a retryable refusal
// (UNAVAILABLE or RESOURCE_EXHAUSTED) that carries none.
func withRetryInfo(err error, delay time.Duration) error {
	st, ok := status.FromError(err)
	if !ok || (st.Code() != codes.Unavailable && st.Code() != codes.ResourceExhausted) {
		return err
	}
	for _, d := range st.Details() {
		if _, has := d.(*errdetails.RetryInfo); has {
			return err
		}
	}
	hinted, detailErr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(delay)})
	if detailErr != nil {
		return err
	}
	return hinted.Err()
}

// retryAfterWriter sets Retry-After on a 503 or 429 response that has none.
type retryAfterWriter struct {
	http.ResponseWriter
	retryAfter string
}

func (w *retryAfterWriter) WriteHeader(code int) {
	if (code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", w.retryAfter)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the server's writer (flush, deadlines).
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
