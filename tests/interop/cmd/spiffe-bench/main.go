// spiffe-bench: go-spiffe's side of the interop suite's timings. Each subcommand prints
// one JSON line on stdout (errors go to stderr) and exits 1 on any failure.
//
//	spiffe-bench hello -addr A -socket S -authorize ID -n N -c C
//	    N mTLS hello round trips, C in flight, over one X509Source:
//	    {"roundTrips":N,"seconds":S,"rate":R,"failures":F}
//	spiffe-bench source -socket S
//	    time until NewX509Source returns: {"readyMs":X}
//	spiffe-bench hello-once -addr A -socket S -authorize ID
//	    what a whole-process hello client does: source, dial, one exchange, exit:
//	    {"ok":true,"ms":X}
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spiffe-ts/interop/cmd/internal/peer"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: spiffe-bench hello|source|hello-once [flags]")
	os.Exit(2)
}

func emit(v any) {
	out, _ := json.Marshal(v)
	fmt.Println(string(out))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "localhost:55555", "server address")
	socket := fs.String("socket", peer.DefaultSocket(), "Workload API address")
	authorize := fs.String("authorize", "spiffe://example.org/server", "server to accept: a SPIFFE ID, any, or member:<td>")
	n := fs.Int("n", 1000, "round trips (hello)")
	c := fs.Int("c", 8, "round trips in flight (hello)")
	timeout := fs.Duration("timeout", 10*time.Second, "deadline of the source and of each round trip")
	_ = fs.Parse(os.Args[2:])
	authorizer, err := peer.Authorizer(*authorize)
	if err != nil {
		fail("%v", err)
	}
	sourceOpts := workloadapi.WithClientOptions(workloadapi.WithAddr(*socket))

	// roundTrip dials, writes `Hello server\n`, reads the reply line and closes.
	roundTrip := func(mode spiffetls.DialMode) error {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		conn, err := spiffetls.DialWithMode(ctx, "tcp", *addr, mode, spiffetls.WithDialer(&net.Dialer{Timeout: *timeout}))
		if err != nil {
			return fmt.Errorf("unable to create TLS connection: %w", err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(*timeout))
		if _, err := conn.Write([]byte("Hello server\n")); err != nil {
			return fmt.Errorf("unable to send: %w", err)
		}
		reply, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return fmt.Errorf("unable to read server response (%q): %w", reply, err)
		}
		return nil
	}

	switch os.Args[1] {
	case "source":
		started := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		source, err := workloadapi.NewX509Source(ctx, sourceOpts)
		if err != nil {
			fail("unable to create X509Source: %v", err)
		}
		readyMs := float64(time.Since(started).Microseconds()) / 1000
		source.Close()
		emit(map[string]any{"readyMs": readyMs})

	case "hello-once":
		started := time.Now()
		if err := roundTrip(spiffetls.MTLSClientWithSourceOptions(authorizer, sourceOpts)); err != nil {
			fail("%v", err)
		}
		emit(struct {
			OK bool    `json:"ok"`
			Ms float64 `json:"ms"`
		}{true, float64(time.Since(started).Microseconds()) / 1000})

	case "hello":
		if *n < 1 || *c < 1 {
			fail("-n and -c must be positive")
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		source, err := workloadapi.NewX509Source(ctx, sourceOpts)
		cancel()
		if err != nil {
			fail("unable to create X509Source: %v", err)
		}
		defer source.Close()
		mode := spiffetls.MTLSClientWithSource(authorizer, source)

		var next, failures atomic.Int64
		var firstErr error
		var once sync.Once
		var wg sync.WaitGroup
		started := time.Now()
		for range min(*c, *n) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(*n) {
					if err := roundTrip(mode); err != nil {
						failures.Add(1)
						once.Do(func() { firstErr = err })
					}
				}
			}()
		}
		wg.Wait()
		seconds := time.Since(started).Seconds()
		emit(struct {
			RoundTrips int     `json:"roundTrips"`
			Seconds    float64 `json:"seconds"`
			Rate       float64 `json:"rate"`
			Failures   int64   `json:"failures"`
		}{*n, seconds, float64(*n) / seconds, failures.Load()})
		if firstErr != nil {
			source.Close()
			fail("first failure: %v", firstErr)
		}

	default:
		usage()
	}
}
