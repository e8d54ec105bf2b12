// hello-client: go-spiffe's spiffe-tls example client, with flags. It dials with
// spiffetls.DialWithMode, writes `Hello server\n`, reads one line and prints
// `Server says: "..."`. Every line goes to stdout. On failure it prints
// `Unable to create TLS connection: <err>` or `Unable to read server response: <err>`
// and exits 1. Like the example, a bare EOF counts as a reply (`Server says: ""`) unless
// -strict is given. With -count N>1 the N exchanges share one X509Source.
package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/spiffe-ts/interop/cmd/internal/peer"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

type config struct {
	addr       string
	mode       string
	authorizer tlsconfig.Authorizer
	roots      *x509.CertPool
	minTLS     string
	maxTLS     string
	timeout    time.Duration
	strict     bool
	sourceOpts workloadapi.X509SourceOption
}

func main() {
	addr := flag.String("addr", "localhost:55555", "server address")
	socket := flag.String("socket", peer.DefaultSocket(), "Workload API address")
	mode := flag.String("mode", "mtls", "mtls | tls | mtls-web")
	authorize := flag.String("authorize", "spiffe://example.org/server", "server to accept: a SPIFFE ID, any, or member:<td>")
	rootsFile := flag.String("roots", "", "PEM web roots that verify the server in mtls-web mode")
	minTLS := flag.String("min-tls", "", "minimum TLS version: 1.2 | 1.3")
	maxTLS := flag.String("max-tls", "", "maximum TLS version: 1.2 | 1.3")
	count := flag.Int("count", 1, "exchanges to run, over one X509Source")
	strict := flag.Bool("strict", false, "treat an empty reply (bare EOF) as a failure")
	timeout := flag.Duration("timeout", 3*time.Second, "deadline of each exchange (source, dial, handshake, read)")
	flag.Parse()
	peer.SetupLog()

	cfg := config{addr: *addr, mode: *mode, minTLS: *minTLS, maxTLS: *maxTLS, timeout: *timeout, strict: *strict,
		sourceOpts: workloadapi.WithClientOptions(workloadapi.WithAddr(*socket))}
	var err error
	if cfg.authorizer, err = peer.Authorizer(*authorize); err != nil {
		peer.Fatalf("%v", err)
	}
	if _, err := peer.BaseTLSConfig(*minTLS, *maxTLS); err != nil {
		peer.Fatalf("%v", err)
	}
	if *mode == "mtls-web" {
		pem, err := os.ReadFile(*rootsFile)
		if err != nil {
			peer.Fatalf("Unable to read web roots: %v", err)
		}
		cfg.roots = x509.NewCertPool()
		if !cfg.roots.AppendCertsFromPEM(pem) {
			peer.Fatalf("Unable to read web roots: no certificate in %s", *rootsFile)
		}
	} else if *mode != "mtls" && *mode != "tls" {
		peer.Fatalf("invalid -mode %q (want mtls, tls or mtls-web)", *mode)
	}

	// One exchange is exactly the example: DialWithMode builds (and closes) its own source.
	// Several share one source, built up front.
	var source *workloadapi.X509Source
	if *count > 1 {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		source, err = workloadapi.NewX509Source(ctx, cfg.sourceOpts)
		cancel()
		if err != nil {
			peer.Fatalf("Unable to create TLS connection: cannot create X.509 source: %v", err)
		}
		defer source.Close()
	}
	for i := 0; i < *count; i++ {
		if err := exchange(cfg, source); err != nil {
			if source != nil {
				source.Close()
			}
			peer.Fatalf("%v", err)
		}
	}
}

func dialMode(cfg config, source *workloadapi.X509Source) spiffetls.DialMode {
	switch {
	case cfg.mode == "tls" && source != nil:
		return spiffetls.TLSClientWithSource(cfg.authorizer, source)
	case cfg.mode == "tls":
		return spiffetls.TLSClientWithSourceOptions(cfg.authorizer, cfg.sourceOpts)
	case cfg.mode == "mtls-web" && source != nil:
		return spiffetls.MTLSWebClientWithSource(cfg.roots, source)
	case cfg.mode == "mtls-web":
		return spiffetls.MTLSWebClientWithSourceOptions(cfg.roots, cfg.sourceOpts)
	case source != nil:
		return spiffetls.MTLSClientWithSource(cfg.authorizer, source)
	default:
		return spiffetls.MTLSClientWithSourceOptions(cfg.authorizer, cfg.sourceOpts)
	}
}

func exchange(cfg config, source *workloadapi.X509Source) error {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()

	// go-spiffe's tls.Dial does not watch ctx: the dialer's timeout bounds dial + handshake.
	options := []spiffetls.DialOption{spiffetls.WithDialer(&net.Dialer{Timeout: cfg.timeout})}
	if base, _ := peer.BaseTLSConfig(cfg.minTLS, cfg.maxTLS); base != nil {
		options = append(options, spiffetls.WithDialTLSConfigBase(base))
	}
	conn, err := spiffetls.DialWithMode(ctx, "tcp", cfg.addr, dialMode(cfg, source), options...)
	if err != nil {
		return fmt.Errorf("Unable to create TLS connection: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(cfg.timeout))

	fmt.Fprintf(conn, "Hello server\n")

	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("Unable to read server response: %w", err)
	}
	if cfg.strict && status == "" {
		return fmt.Errorf("Unable to read server response: empty reply (%v)", err)
	}
	log.Printf("Server says: %q", status)
	return nil
}
