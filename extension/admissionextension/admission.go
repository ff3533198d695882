package admissionextension

import (
	"context"
	"net/http"
	"strconv"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/otelcol-sre/otelcol-sre/extension/admissionextension/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/admission"
)

type admissionExt struct {
	component.StartFunc
	component.ShutdownFunc
	cfg       *Config
	limiter   *admission.Limiter
	telemetry *metadata.TelemetryBuilder
	outcomes  map[admission.Refusal]metric.MeasurementOption
	refusal   *status.Status
	depth     *depthCodec
}

var (
	_ extensionmiddleware.GRPCServer = (*admissionExt)(nil)
	_ extensionmiddleware.HTTPServer = (*admissionExt)(nil)
)

func newAdmission(set component.TelemetrySettings, cfg *Config) (*admissionExt, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	// UNAVAILABLE is retried by every OTLP exporter; RetryInfo tells it how long to back off.
	st, err := status.New(codes.Unavailable, "admission: the gateway is at its in-flight request limit; retry later").
		WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(cfg.RetryAfter)})
	if err != nil {
		return nil, err
	}
	a := &admissionExt{cfg: cfg, limiter: admission.New(cfg.MaxInFlight, cfg.MaxWaiting), telemetry: tb, refusal: st,
		outcomes: map[admission.Refusal]metric.MeasurementOption{}, depth: newDepthCodec(cfg.MaxNestingDepth)}
	for _, r := range []admission.Refusal{admission.Admitted, admission.QueueFull, admission.WaitedTooLong, admission.Cancelled} {
		a.outcomes[r] = metric.WithAttributeSet(attributeSet(r))
	}
	a.ShutdownFunc = func(context.Context) error { tb.Shutdown(); return nil }
	return a, nil
}

// admit takes a slot or says why not, counting the outcome either way.
func (a *admissionExt) admit(ctx context.Context) (func(), bool) {
	release, why := a.limiter.Acquire(ctx, a.cfg.MaxWait)
	a.telemetry.AdmissionRequests.Add(ctx, 1, a.outcomes[why])
	if why != admission.Admitted {
		return nil, false
	}
	a.telemetry.AdmissionInFlight.Add(ctx, 1)
	return func() {
		release()
		a.telemetry.AdmissionInFlight.Add(context.Background(), -1)
	}, true
}

func (a *admissionExt) GetGRPCServerOptions(context.Context) ([]grpc.ServerOption, error) {
	unary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		release, ok := a.admit(ctx)
		if !ok {
			return nil, a.refusal.Err()
		}
		defer release()
		resp, err := handler(ctx, req)
		return resp, withRetryInfo(err, a.cfg.RetryAfter)
	}
	stream := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		release, ok := a.admit(ss.Context())
		if !ok {
			return a.refusal.Err()
		}
		defer release()
		return withRetryInfo(handler(srv, ss), a.cfg.RetryAfter)
	}
	// The tap runs when a call's headers arrive, before its message is read: when the limiter
	// would refuse anyway, refusing here saves receiving and decoding a body that is dropped,
	// and keeps a flood of large requests from congesting the connection for admitted ones.
	tap := func(ctx context.Context, _ *tap.Info) (context.Context, error) {
		if a.limiter.Saturated() {
			a.telemetry.AdmissionRequests.Add(ctx, 1, a.outcomes[admission.QueueFull])
			return ctx, a.refusal.Err()
		}
		return ctx, nil
	}
	return []grpc.ServerOption{grpc.InTapHandle(tap), grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream),
		grpc.ForceServerCodecV2(a.depth)}, nil
}

func (a *admissionExt) GetHTTPHandler(context.Context) (extensionmiddleware.WrapHTTPHandlerFunc, error) {
	retryAfter := strconv.Itoa(int(a.cfg.RetryAfter.Seconds()))
	return func(_ context.Context, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			release, ok := a.admit(r.Context())
			if !ok {
				w.Header().Set("Retry-After", retryAfter)
				http.Error(w, a.refusal.Message(), http.StatusServiceUnavailable)
				return
			}
			defer release()
			w = &retryAfterWriter{ResponseWriter: w, retryAfter: retryAfter}
			if a.checkHTTPDepth(w, r) {
				next.ServeHTTP(w, r)
			}
		}), nil
	}, nil
}

func attributeSet(r admission.Refusal) attribute.Set {
	return attribute.NewSet(attribute.String("outcome", r.String()))
}
