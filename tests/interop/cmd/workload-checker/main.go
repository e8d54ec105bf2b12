// workload-checker: exercises a Workload API with go-spiffe's workloadapi client and
// offline verifiers. Each check prints `ok <name>` or `FAIL <name>: <err>` on stdout
// (details go to stderr as `# ...`); it exits 1 when any check failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spiffe-ts/interop/cmd/internal/peer"
	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/proto/spiffe/workload"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

const callTimeout = 10 * time.Second

var failed bool

func check(name string, fn func() error) {
	if err := fn(); err != nil {
		failed = true
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("ok %s\n", name)
}

func detail(format string, args ...any) { fmt.Fprintf(os.Stderr, "# "+format+"\n", args...) }

func call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

var errSkipped = errors.New("skipped: an earlier check failed")

func main() {
	socket := flag.String("socket", peer.DefaultSocket(), "Workload API address")
	audience := flag.String("audience", "spiffe://example.org/audience", "JWT-SVID audience")
	expectID := flag.String("expect-id", "", "the SPIFFE ID the X509-SVID must carry (empty: any)")
	rotations := flag.Int("rotations", 0, "watch X.509 contexts until this many new leaves arrived")
	timeout := flag.Duration("timeout", 60*time.Second, "bound of the rotation watch")
	federated := flag.String("federated", "", "a trust domain whose bundle must be served")
	headerCheck := flag.Bool("header-check", false, "require InvalidArgument for calls without the security header")
	flag.Parse()

	var expected spiffeid.ID
	if *expectID != "" {
		var err error
		if expected, err = spiffeid.FromString(*expectID); err != nil {
			fmt.Printf("FAIL flags: invalid -expect-id: %v\n", err)
			os.Exit(1)
		}
	}
	matches := func(what string, id spiffeid.ID) error {
		if !expected.IsZero() && id != expected {
			return fmt.Errorf("%s has SPIFFE ID %s, want %s", what, id, expected)
		}
		return nil
	}

	ctx, cancel := call()
	client, err := workloadapi.New(ctx, workloadapi.WithAddr(*socket))
	cancel()
	if err != nil {
		fmt.Printf("FAIL client: %v\n", err)
		os.Exit(1)
	}
	defer client.Close()

	var svid *x509svid.SVID
	check("FetchX509SVID", func() error {
		ctx, cancel := call()
		defer cancel()
		var err error
		if svid, err = client.FetchX509SVID(ctx); err != nil {
			return err
		}
		detail("X509-SVID %s, serial %s, expires %s", svid.ID, svid.Certificates[0].SerialNumber, svid.Certificates[0].NotAfter.Format(time.RFC3339))
		return matches("X509-SVID", svid.ID)
	})
	td := expected.TrustDomain()
	if td.IsZero() && svid != nil {
		td = svid.ID.TrustDomain()
	}
	check("FetchX509SVIDs", func() error {
		ctx, cancel := call()
		defer cancel()
		svids, err := client.FetchX509SVIDs(ctx)
		if err != nil {
			return err
		}
		if len(svids) == 0 {
			return errors.New("no SVID")
		}
		return matches("first X509-SVID", svids[0].ID)
	})
	var bundles *x509bundle.Set
	check("FetchX509Bundles", func() error {
		ctx, cancel := call()
		defer cancel()
		var err error
		if bundles, err = client.FetchX509Bundles(ctx); err != nil {
			return err
		}
		return hasX509Bundle(bundles, td)
	})
	var x509Context *workloadapi.X509Context
	check("FetchX509Context", func() error {
		ctx, cancel := call()
		defer cancel()
		var err error
		if x509Context, err = client.FetchX509Context(ctx); err != nil {
			return err
		}
		if len(x509Context.SVIDs) == 0 {
			return errors.New("no SVID")
		}
		if err := matches("default X509-SVID", x509Context.DefaultSVID().ID); err != nil {
			return err
		}
		return hasX509Bundle(x509Context.Bundles, td)
	})
	var token string
	check("FetchJWTSVID", func() error {
		ctx, cancel := call()
		defer cancel()
		jwt, err := client.FetchJWTSVID(ctx, jwtsvid.Params{Audience: *audience})
		if err != nil {
			return err
		}
		token = jwt.Marshal()
		if !slices.Contains(jwt.Audience, *audience) {
			return fmt.Errorf("JWT-SVID audience %v lacks %s", jwt.Audience, *audience)
		}
		detail("JWT-SVID %s, audience %v, expires %s", jwt.ID, jwt.Audience, jwt.Expiry.Format(time.RFC3339))
		return matches("JWT-SVID", jwt.ID)
	})
	var jwtBundles *jwtbundle.Set
	check("FetchJWTBundles", func() error {
		ctx, cancel := call()
		defer cancel()
		var err error
		if jwtBundles, err = client.FetchJWTBundles(ctx); err != nil {
			return err
		}
		return hasJWTBundle(jwtBundles, td)
	})
	check("ValidateJWTSVID", func() error {
		if token == "" {
			return errSkipped
		}
		ctx, cancel := call()
		defer cancel()
		jwt, err := client.ValidateJWTSVID(ctx, token, *audience)
		if err != nil {
			return err
		}
		return matches("validated JWT-SVID", jwt.ID)
	})
	check("ValidateJWTSVID/wrong-audience", func() error {
		if token == "" {
			return errSkipped
		}
		ctx, cancel := call()
		defer cancel()
		if _, err := client.ValidateJWTSVID(ctx, token, *audience+"/wrong"); err == nil {
			return errors.New("a token for another audience was accepted")
		} else {
			detail("wrong audience refused: %v", err)
		}
		return nil
	})
	check("x509svid.Verify", func() error {
		if svid == nil || bundles == nil {
			return errSkipped
		}
		id, chains, err := x509svid.Verify(svid.Certificates, bundles)
		if err != nil {
			return err
		}
		if id != svid.ID {
			return fmt.Errorf("verified ID %s, SVID says %s", id, svid.ID)
		}
		detail("chain of %d verified to a root", len(chains[0]))
		return nil
	})
	check("jwtsvid.ParseAndValidate", func() error {
		if token == "" || jwtBundles == nil {
			return errSkipped
		}
		jwt, err := jwtsvid.ParseAndValidate(token, jwtBundles, []string{*audience})
		if err != nil {
			return err
		}
		return matches("JWT-SVID", jwt.ID)
	})
	check("jwtsvid.ParseAndValidate/wrong-audience", func() error {
		if token == "" || jwtBundles == nil {
			return errSkipped
		}
		if _, err := jwtsvid.ParseAndValidate(token, jwtBundles, []string{*audience + "/wrong"}); err == nil {
			return errors.New("a token for another audience was accepted")
		}
		return nil
	})

	if *federated != "" {
		ftd, err := spiffeid.TrustDomainFromString(*federated)
		check("federated/x509-context", func() error {
			if err != nil {
				return err
			}
			if x509Context == nil {
				return errSkipped
			}
			return hasX509Bundle(x509Context.Bundles, ftd)
		})
		check("federated/x509-bundles", func() error {
			if err != nil {
				return err
			}
			if bundles == nil {
				return errSkipped
			}
			return hasX509Bundle(bundles, ftd)
		})
		check("federated/jwt-bundles", func() error {
			if err != nil {
				return err
			}
			if jwtBundles == nil {
				return errSkipped
			}
			return hasJWTBundle(jwtBundles, ftd)
		})
	}

	if *headerCheck {
		headerChecks(*socket)
	}

	if *rotations > 0 {
		check("watch-rotations", func() error { return watchRotations(client, *rotations, *timeout, matches) })
	}

	if failed {
		os.Exit(1)
	}
}

func hasX509Bundle(set *x509bundle.Set, td spiffeid.TrustDomain) error {
	if td.IsZero() {
		return errSkipped
	}
	bundle, ok := set.Get(td)
	if !ok {
		return fmt.Errorf("no X.509 bundle for %s", td)
	}
	if len(bundle.X509Authorities()) == 0 {
		return fmt.Errorf("the X.509 bundle of %s is empty", td)
	}
	return nil
}

func hasJWTBundle(set *jwtbundle.Set, td spiffeid.TrustDomain) error {
	if td.IsZero() {
		return errSkipped
	}
	bundle, ok := set.Get(td)
	if !ok {
		return fmt.Errorf("no JWT bundle for %s", td)
	}
	if len(bundle.JWTAuthorities()) == 0 {
		return fmt.Errorf("the JWT bundle of %s is empty", td)
	}
	return nil
}

// headerChecks calls every RPC over a raw gRPC connection without the
// `workload.spiffe.io: true` metadata and requires InvalidArgument.
func headerChecks(socket string) {
	target, err := workloadapi.TargetFromAddress(socket)
	var conn *grpc.ClientConn
	if err == nil {
		conn, err = grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if err != nil {
		check("header-check", func() error { return err })
		return
	}
	defer conn.Close()
	api := workload.NewSpiffeWorkloadAPIClient(conn)
	rpcs := []struct {
		name string
		call func(context.Context) error
	}{
		{"FetchX509SVID", func(ctx context.Context) error {
			stream, err := api.FetchX509SVID(ctx, &workload.X509SVIDRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			return err
		}},
		{"FetchX509Bundles", func(ctx context.Context) error {
			stream, err := api.FetchX509Bundles(ctx, &workload.X509BundlesRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			return err
		}},
		{"FetchJWTSVID", func(ctx context.Context) error {
			_, err := api.FetchJWTSVID(ctx, &workload.JWTSVIDRequest{Audience: []string{"spiffe://example.org/audience"}})
			return err
		}},
		{"FetchJWTBundles", func(ctx context.Context) error {
			stream, err := api.FetchJWTBundles(ctx, &workload.JWTBundlesRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			return err
		}},
		{"ValidateJWTSVID", func(ctx context.Context) error {
			_, err := api.ValidateJWTSVID(ctx, &workload.ValidateJWTSVIDRequest{Svid: "x.y.z", Audience: "spiffe://example.org/audience"})
			return err
		}},
	}
	for _, rpc := range rpcs {
		name := "header-check"
		if rpc.name != "FetchX509SVID" {
			name += "/" + rpc.name
		}
		check(name, func() error {
			ctx, cancel := call()
			defer cancel()
			err := rpc.call(ctx)
			if code := status.Code(err); code != codes.InvalidArgument {
				return fmt.Errorf("%s without the security header: got %v (%v), want InvalidArgument", rpc.name, code, err)
			}
			detail("%s without header: %v", rpc.name, err)
			return nil
		})
	}
}

// rotationWatcher counts X.509 context updates whose default leaf has a new serial.
type rotationWatcher struct {
	last    string
	seen    int
	want    int
	matches func(string, spiffeid.ID) error
	done    chan error
}

func (w *rotationWatcher) OnX509ContextUpdate(c *workloadapi.X509Context) {
	if len(c.SVIDs) == 0 {
		w.finish(errors.New("an update carried no SVID"))
		return
	}
	svid := c.DefaultSVID()
	serial := svid.Certificates[0].SerialNumber.String()
	if serial == w.last {
		detail("update with the same leaf (serial %s)", serial)
		return
	}
	if err := w.matches("rotated X509-SVID", svid.ID); err != nil {
		w.finish(err)
		return
	}
	if _, _, err := x509svid.Verify(svid.Certificates, c.Bundles); err != nil {
		w.finish(fmt.Errorf("X509-SVID with serial %s does not verify against its update's bundles: %w", serial, err))
		return
	}
	first := w.last == ""
	w.last = serial
	if first {
		detail("watch: initial leaf serial %s", serial)
		return
	}
	w.seen++
	detail("watch: new leaf %d/%d, serial %s, expires %s", w.seen, w.want, serial, svid.Certificates[0].NotAfter.Format(time.RFC3339))
	if w.seen >= w.want {
		w.finish(nil)
	}
}

func (w *rotationWatcher) OnX509ContextWatchError(err error) {
	if status.Code(err) != codes.Canceled {
		detail("watch error: %v", err)
	}
}

func (w *rotationWatcher) finish(err error) {
	select {
	case w.done <- err:
	default:
	}
}

func watchRotations(client *workloadapi.Client, want int, timeout time.Duration, matches func(string, spiffeid.ID) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	w := &rotationWatcher{want: want, matches: matches, done: make(chan error, 1)}
	watchErr := make(chan error, 1)
	go func() { watchErr <- client.WatchX509Context(ctx, w) }()
	select {
	case err := <-w.done:
		return err
	case err := <-watchErr:
		return fmt.Errorf("watch ended after %d of %d new leaves: %w", w.seen, want, err)
	case <-ctx.Done():
		<-watchErr // the watch has returned: w is no longer written to
		return fmt.Errorf("%d of %d new leaves within %s", w.seen, want, timeout)
	}
}
