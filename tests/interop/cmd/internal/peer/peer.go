// Package peer holds the flag parsing shared by the interop suite's go-spiffe peers.
package peer

import (
	"crypto/tls"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
)

// DefaultSocket is $SPIFFE_ENDPOINT_SOCKET, else the address go-spiffe's examples use.
func DefaultSocket() string {
	if addr, ok := os.LookupEnv("SPIFFE_ENDPOINT_SOCKET"); ok && addr != "" {
		return addr
	}
	return "unix:///tmp/agent.sock"
}

// SetupLog sends the standard logger to stdout without a timestamp prefix, so every
// line a peer prints is on one stream, in order, and easy to match.
func SetupLog() {
	log.SetOutput(os.Stdout)
	log.SetFlags(0)
}

// Authorizer parses `any`, `member:<trust domain>` or a SPIFFE ID.
func Authorizer(spec string) (tlsconfig.Authorizer, error) {
	switch {
	case spec == "any":
		return tlsconfig.AuthorizeAny(), nil
	case strings.HasPrefix(spec, "member:"):
		td, err := spiffeid.TrustDomainFromString(strings.TrimPrefix(spec, "member:"))
		if err != nil {
			return nil, fmt.Errorf("invalid -authorize %q: %w", spec, err)
		}
		return tlsconfig.AuthorizeMemberOf(td), nil
	default:
		id, err := spiffeid.FromString(spec)
		if err != nil {
			return nil, fmt.Errorf("invalid -authorize %q: %w", spec, err)
		}
		return tlsconfig.AuthorizeID(id), nil
	}
}

// TLSVersion parses "", "1.2" or "1.3" (0 leaves the version to crypto/tls and go-spiffe).
func TLSVersion(spec string) (uint16, error) {
	switch spec {
	case "":
		return 0, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	default:
		return 0, fmt.Errorf("invalid TLS version %q (want 1.2 or 1.3)", spec)
	}
}

// BaseTLSConfig returns a new tls.Config carrying -min-tls/-max-tls, or nil when neither
// is set. go-spiffe hooks its own settings into it (and raises MinVersion to 1.2).
func BaseTLSConfig(minSpec, maxSpec string) (*tls.Config, error) {
	minVersion, err := TLSVersion(minSpec)
	if err != nil {
		return nil, err
	}
	maxVersion, err := TLSVersion(maxSpec)
	if err != nil {
		return nil, err
	}
	if minVersion == 0 && maxVersion == 0 {
		return nil, nil
	}
	return &tls.Config{MinVersion: minVersion, MaxVersion: maxVersion}, nil //nolint:gosec // versions come from flags
}

// Fatalf prints a line to stdout and exits 1.
func Fatalf(format string, args ...any) {
	log.Printf(format, args...)
	os.Exit(1)
}
