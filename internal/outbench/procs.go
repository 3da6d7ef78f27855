package outbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// proc is a child process the benchmark started and stops.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	logs *tailBuffer
}

// start runs bin with args and env added to this process's environment.
// Its stderr is kept (the last lines) for the error a failed start reports.
func start(name, bin string, args, env []string, stdout io.Writer) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), logs: &tailBuffer{max: 8 << 10}}
	cmd.Stdout = stdout
	if stdout == nil {
		cmd.Stdout = p.logs
	}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid is the process's ID, for /proc.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop asks the process to end (SIGTERM, as a deployment would) and kills
// it if it has not within 10 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports the process's end as an error, with its last output.
func (p *proc) exited() error {
	return fmt.Errorf("%s exited (%v): %s", p.name, p.err, strings.TrimSpace(p.logs.String()))
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	mu  sync.Mutex
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// freeAddr returns a loopback address with a free port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// simulator is the `groupgraph simulate` process.
type simulator struct {
	*proc
	// hc reaches the control endpoints and health checks of every
	// process of the run, all on loopback.
	hc      *http.Client
	control string
	desc    sandbox.Description
}

// startSimulator runs `groupgraph simulate` and waits for its line.
func startSimulator(ctx context.Context, bin string, latency, jitter time.Duration) (*simulator, error) {
	pr, pw := io.Pipe()
	p, err := start("simulate", bin, []string{"simulate", "-latency", latency.String(), "-jitter", jitter.String()}, nil, pw)
	if err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case line <- sc.Text():
			default:
			}
		}
	}()
	s := &simulator{proc: p, hc: &http.Client{Timeout: 30 * time.Second}}
	select {
	case l := <-line:
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, "control="); ok {
				s.control = v
			}
		}
	case <-p.done:
		return nil, p.exited()
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, errors.New("simulate: no ready line within 30 s")
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
	if s.control == "" {
		p.stop()
		return nil, errors.New("simulate: its ready line names no control endpoint")
	}
	if err := getJSON(ctx, s.hc, s.control+"/sandbox", &s.desc); err != nil {
		p.stop()
		return nil, err
	}
	return s, nil
}

// stats reads the simulators' counts.
func (s *simulator) stats(ctx context.Context) (map[providers.Kind]sandbox.PlatformStats, error) {
	var st map[providers.Kind]sandbox.PlatformStats
	err := getJSON(ctx, s.hc, s.control+"/stats", &st)
	return st, err
}

func getJSON(ctx context.Context, hc *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Deployment is how a groupgraph instance is configured: its own
// configuration file, a store holding the viewer, its token and its linked
// accounts (sealed with the instance's key), as an operator would run it.
type Deployment struct {
	// Dir holds the configuration file and, without DatabaseURL, the
	// SQLite store.
	Dir string
	// Key is the store's GROUPGRAPH_SECRET_KEY.
	Key string
	// Token is the viewer's bearer token.
	Token string
	// DatabaseURL is the shared PostgreSQL store, if any.
	DatabaseURL string
	// RedisURL and RedisPrefix are the shared Redis, if any.
	RedisURL, RedisPrefix string
	// FlickrBudget is Flickr's calls per hour (0: large enough not to be
	// what is measured).
	FlickrBudget int
}

// prepare creates the store (migrated, with the viewer, its token and the
// sandbox accounts linked), and returns the deployment.
func prepare(ctx context.Context, dir string, desc sandbox.Description, databaseURL, key string) (Deployment, error) {
	d := Deployment{Dir: dir, DatabaseURL: databaseURL, Key: key}
	if d.Key == "" {
		k, err := secrets.GenerateKey()
		if err != nil {
			return d, err
		}
		d.Key = "bench:" + k
	}
	kr, err := secrets.ParseKeyring(d.Key)
	if err != nil {
		return d, err
	}
	target := databaseURL
	if target == "" {
		target = filepath.Join(dir, store.DefaultSQLiteFile)
	}
	st, err := store.Open(ctx, target, store.Options{Keyring: kr})
	if err != nil {
		return d, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return d, err
	}
	v, err := st.CreateViewer(ctx, fmt.Sprintf("bench-%d", time.Now().UnixNano()))
	if err != nil {
		return d, err
	}
	for _, a := range desc.Accounts {
		if _, err := st.UpsertAccount(ctx, v.ID, a.Account()); err != nil {
			return d, fmt.Errorf("linking the %s account: %w", a.Provider, err)
		}
	}
	d.Token, _, err = st.CreateToken(ctx, v.ID, time.Time{})
	return d, err
}

// configFile writes the instance's configuration file, listening on addr.
func (d Deployment) configFile(name, addr string, desc sandbox.Description) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\n", addr)
	fmt.Fprintf(&b, "data_dir: %q\n", d.Dir)
	fmt.Fprintf(&b, "log_level: warn\n")
	// The load is one viewer sending thousands of queries: the API's own
	// per-caller rate limit would refuse them.
	fmt.Fprintf(&b, "rate_limit_points: 0\n")
	if d.RedisURL != "" {
		fmt.Fprintf(&b, "redis_url: %q\nredis_prefix: %q\n", d.RedisURL, d.RedisPrefix)
	}
	b.WriteString(desc.ConfigYAML)
	budget := d.FlickrBudget
	if budget == 0 {
		budget = 100_000_000
	}
	// Appended under providers.flickr, which ConfigYAML writes first.
	cfg := strings.Replace(b.String(), "  flickr:\n", "  flickr:\n    budget:\n      limit: "+strconv.Itoa(budget)+"\n      per: 1h\n", 1)
	path := filepath.Join(d.Dir, name)
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// env is the instance's environment.
func (d Deployment) env() []string {
	env := []string{secrets.EnvKey + "=" + d.Key, "GROUPGRAPH_SECRET_KEY_FILE="}
	if d.DatabaseURL != "" {
		env = append(env, "DATABASE_URL="+d.DatabaseURL)
	} else {
		env = append(env, "DATABASE_URL=")
	}
	return env
}

// waitHealthy polls url until it answers 200 or p exits.
func waitHealthy(ctx context.Context, hc *http.Client, p *proc, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return p.exited()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not healthy within 60 s: %s", p.name, url, strings.TrimSpace(p.logs.String()))
		}
	}
}

// cpuTime is the CPU time (user and system) process pid has used, from
// /proc/<pid>/stat: that process alone, not its children.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing one.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc's times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100
