package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
)

// counts are what reached one simulator: requests, by kind of call, and the
// connections its clients opened. The out-of-process benchmark reads them
// from the control endpoint, since only the simulator sees every call and
// every new connection of the servers it measures.
type counts struct {
	calls atomic.Int64
	conns atomic.Int64
	mu    sync.Mutex
	by    map[string]int64
}

func (c *counts) call(r *http.Request) {
	c.calls.Add(1)
	name := CallName(r)
	c.mu.Lock()
	if c.by == nil {
		c.by = map[string]int64{}
	}
	if len(c.by) < 1000 { // a few dozen in practice; bounded against odd paths
		c.by[name]++
	}
	c.mu.Unlock()
}

// connState counts every connection a client opens; http.Server calls it
// with StateNew once per accepted connection.
func (c *counts) connState(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		c.conns.Add(1)
	}
}

// CallName names an upstream call by what it asks, not by its arguments:
// the RPC method of Flickr and Upcoming (their method query parameter), or
// the HTTP method and the path with every segment holding a digit (an ID)
// written {id}.
func CallName(r *http.Request) string {
	if m := r.URL.Query().Get("method"); m != "" {
		return r.Method + " " + m
	}
	segs := strings.Split(strings.TrimSuffix(r.URL.Path, ".json"), "/")
	for i, s := range segs {
		if strings.ContainsAny(s, "0123456789") {
			segs[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(segs, "/")
}

// PlatformStats is what reached one simulator since it started.
type PlatformStats struct {
	// Calls is every request.
	Calls int64 `json:"calls"`
	// Connections is every connection clients opened to it.
	Connections int64 `json:"connections"`
	// ByCall counts the requests by CallName.
	ByCall map[string]int64 `json:"by_call"`
}

// Stats returns what reached each simulator since the sandbox started. A
// Reset does not zero them: the benchmark takes differences.
func (s *Sandbox) Stats() map[providers.Kind]PlatformStats {
	out := make(map[providers.Kind]PlatformStats, len(s.platforms))
	for _, p := range s.platforms {
		p.counts.mu.Lock()
		by := maps.Clone(p.counts.by)
		p.counts.mu.Unlock()
		if by == nil {
			by = map[string]int64{}
		}
		out[p.kind] = PlatformStats{Calls: p.counts.calls.Load(), Connections: p.counts.conns.Load(), ByCall: by}
	}
	return out
}

// Description is what a process driving the simulators from outside needs:
// where each listens, and the sandbox viewer's accounts with the
// simulators' sandbox credentials (made-up identities that open nothing
// but the simulators).
type Description struct {
	// BaseURLs are the simulators' base URLs, by platform.
	BaseURLs map[providers.Kind]string `json:"base_urls"`
	// Accounts are the sandbox viewer's accounts.
	Accounts []DescribedAccount `json:"accounts"`
	// ConfigYAML is groupgraph's providers configuration for the
	// simulators, a "providers:" section ready for a configuration file.
	ConfigYAML string `json:"config_yaml"`
}

// DescribedAccount is one account of the sandbox viewer, credentials
// included.
type DescribedAccount struct {
	ID           string         `json:"id"`
	Provider     providers.Kind `json:"provider"`
	UserID       string         `json:"user_id"`
	DisplayName  string         `json:"display_name"`
	Token        string         `json:"token"`
	Secret       string         `json:"secret,omitempty"`
	RefreshToken string         `json:"refresh_token,omitempty"`
	Expiry       time.Time      `json:"expiry,omitzero"`
}

// Account returns a as a providers.Account.
func (a DescribedAccount) Account() providers.Account {
	return providers.Account{ID: a.ID, Provider: a.Provider, UserID: a.UserID, DisplayName: a.DisplayName,
		Credentials: providers.Credentials{Token: a.Token, Secret: a.Secret, RefreshToken: a.RefreshToken, Expiry: a.Expiry}}
}

// Describe returns the sandbox's Description.
func (s *Sandbox) Describe() Description {
	d := Description{BaseURLs: map[providers.Kind]string{}, ConfigYAML: ProvidersYAML(s.Providers())}
	for _, p := range s.platforms {
		d.BaseURLs[p.kind] = p.base
	}
	for _, a := range s.Viewer().Accounts {
		c := a.Credentials
		d.Accounts = append(d.Accounts, DescribedAccount{ID: a.ID, Provider: a.Provider, UserID: a.UserID, DisplayName: a.DisplayName,
			Token: c.Token, Secret: c.Secret, RefreshToken: c.RefreshToken, Expiry: c.Expiry})
	}
	return d
}

// ProvidersYAML writes the settings of p that point at the simulators (base
// URLs, application credentials) as a "providers:" section of groupgraph's
// configuration file.
func ProvidersYAML(p config.Providers) string {
	var b strings.Builder
	b.WriteString("providers:\n")
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "    %s: %q\n", k, v)
		}
	}
	if c := p.Flickr; c != nil {
		b.WriteString("  flickr:\n")
		kv("base_url", c.BaseURL)
		kv("oauth_url", c.OAuthURL)
		kv("consumer_key", c.ConsumerKey)
		kv("consumer_secret", c.ConsumerSecret)
	}
	if c := p.Upcoming; c != nil {
		b.WriteString("  upcoming:\n")
		kv("base_url", c.BaseURL)
		kv("site_url", c.SiteURL)
		kv("api_key", c.APIKey)
	}
	if c := p.PageSeeder; c != nil {
		b.WriteString("  pageseeder:\n")
		kv("base_url", c.BaseURL)
		kv("client_id", c.ClientID)
		kv("client_secret", c.ClientSecret)
		kv("redirect_url", c.RedirectURL)
	}
	if c := p.Akana; c != nil {
		b.WriteString("  akana:\n")
		kv("base_url", c.BaseURL)
		kv("tenant", c.Tenant)
	}
	return b.String()
}

// ControlHandler serves the sandbox's control endpoint: GET /stats (Stats,
// as JSON) and GET /sandbox (Describe, as JSON).
func (s *Sandbox) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, s.Stats())
	})
	mux.HandleFunc("GET /sandbox", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, s.Describe())
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// SimulateUsage describes `groupgraph simulate`.
const SimulateUsage = `usage: groupgraph simulate [-latency 20ms] [-jitter 5ms] [-control ADDR]
                           [-flickr ADDR] [-upcoming ADDR] [-pageseeder ADDR] [-akana ADDR]
Serves the sandbox's platforms, each on its own address (default a free
loopback port), until interrupted, and a control endpoint: GET /stats counts
the calls and new connections that reached each platform, GET /sandbox gives
the base URLs, a providers configuration and the sandbox viewer's accounts.`

// Simulate is `groupgraph simulate`: the sandbox's simulators as a process
// of their own, for measuring a groupgraph process from outside. It prints
// one line naming every address once they all listen, and serves until ctx
// ends.
func Simulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("groupgraph simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, SimulateUsage); fs.PrintDefaults() }
	latency := fs.Duration("latency", 0, "latency every simulated platform adds to each answer")
	jitter := fs.Duration("jitter", -1, "random extra latency, uniform in [0, jitter] (default a quarter of -latency)")
	control := fs.String("control", "127.0.0.1:0", "`address` of the control endpoint (/stats, /sandbox)")
	publicURL := fs.String("public-url", "", "groupgraph's base URL, for the account-linking callbacks")
	addrs := map[providers.Kind]*string{}
	for _, k := range providers.Kinds {
		addrs[k] = fs.String(string(k), "", "listen `address` of the "+string(k)+" simulator (default a free loopback port)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("simulate: unexpected argument %q\n%s", fs.Arg(0), SimulateUsage)
	}
	if *latency < 0 {
		return errors.New("simulate: -latency must not be negative")
	}
	if *jitter < 0 {
		*jitter = *latency / 4
	}
	opts := Options{Latency: *latency, Jitter: *jitter, PublicURL: *publicURL, Addrs: map[providers.Kind]string{}}
	for k, a := range addrs {
		opts.Addrs[k] = *a
	}
	sb, err := Start(opts)
	if err != nil {
		return err
	}
	defer sb.Close()
	ln, err := net.Listen("tcp", *control)
	if err != nil {
		return fmt.Errorf("simulate: control endpoint: %w", err)
	}
	srv := &http.Server{Handler: sb.ControlHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	var line strings.Builder
	fmt.Fprintf(&line, "simulating control=http://%s", ln.Addr())
	d := sb.Describe()
	for _, k := range sb.Kinds() {
		fmt.Fprintf(&line, " %s=%s", k, d.BaseURLs[k])
	}
	fmt.Fprintf(&line, " latency=%v jitter=%v\n", *latency, *jitter)
	if _, err := io.WriteString(stdout, line.String()); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
