// hello-server: go-spiffe's spiffe-tls example server, with flags. It listens with
// spiffetls.ListenWithMode, reads one line per connection, logs `Client says: "..."` and
// answers `Hello client\n`. Every line goes to stdout. It prints `Server listening on
// <addr>` once the listener is up (the X509Source is ready), serves until SIGINT/SIGTERM
// and then exits 0; it exits 1 when it cannot listen.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"log"
	"net"
	"os/signal"
	"syscall"

	"github.com/spiffe-ts/interop/cmd/internal/peer"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func main() {
	addr := flag.String("addr", "localhost:55555", "address to listen on")
	socket := flag.String("socket", peer.DefaultSocket(), "Workload API address")
	mode := flag.String("mode", "mtls", "mtls | tls | mtls-web")
	authorize := flag.String("authorize", "spiffe://example.org/client", "client to accept: a SPIFFE ID, any, or member:<td>")
	webCert := flag.String("web-cert", "", "PEM certificate chain presented in mtls-web mode")
	webKey := flag.String("web-key", "", "PEM private key of -web-cert")
	minTLS := flag.String("min-tls", "", "minimum TLS version: 1.2 | 1.3")
	maxTLS := flag.String("max-tls", "", "maximum TLS version: 1.2 | 1.3")
	flag.Parse()
	peer.SetupLog()

	authorizer, err := peer.Authorizer(*authorize)
	if err != nil {
		peer.Fatalf("%v", err)
	}
	base, err := peer.BaseTLSConfig(*minTLS, *maxTLS)
	if err != nil {
		peer.Fatalf("%v", err)
	}
	sourceOptions := workloadapi.WithClientOptions(workloadapi.WithAddr(*socket))
	var listenMode spiffetls.ListenMode
	switch *mode {
	case "mtls":
		listenMode = spiffetls.MTLSServerWithSourceOptions(authorizer, sourceOptions)
	case "tls":
		listenMode = spiffetls.TLSServerWithSourceOptions(sourceOptions)
	case "mtls-web":
		cert, err := tls.LoadX509KeyPair(*webCert, *webKey)
		if err != nil {
			peer.Fatalf("Unable to load web certificate: %v", err)
		}
		listenMode = spiffetls.MTLSWebServerWithSourceOptions(authorizer, &cert, sourceOptions)
	default:
		peer.Fatalf("invalid -mode %q (want mtls, tls or mtls-web)", *mode)
	}
	var options []spiffetls.ListenOption
	if base != nil {
		options = append(options, spiffetls.WithListenTLSConfigBase(base))
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	listener, err := spiffetls.ListenWithMode(ctx, "tcp", *addr, listenMode, options...)
	if err != nil {
		peer.Fatalf("Unable to create TLS listener: %v", err)
	}
	defer listener.Close()
	go func() {
		<-ctx.Done()
		listener.Close()
	}()
	log.Printf("Server listening on %s", listener.Addr())

	for {
		conn, err := listener.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			peer.Fatalf("Failed to accept connection: %v", err)
		}
		go handleConnection(conn)
	}
}

func handleConnection(conn net.Conn) {
	defer conn.Close()

	req, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Printf("Error reading incoming data: %v", err)
		return
	}
	log.Printf("Client says: %q", req)

	if _, err = conn.Write([]byte("Hello client\n")); err != nil {
		log.Printf("Unable to send response: %v", err)
		return
	}
}
