package outbench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run printed.
type wrkResult struct {
	requests      int64
	errors        int64 // non-2xx answers and socket errors
	throughput    float64
	p50, p90, p99 time.Duration
}

// writeScript writes the wrk script that POSTs the query as the viewer
// with token, spreading wrk's threads over urls (several instances).
func writeScript(path string, urls []string, token string) error {
	body, _ := json.Marshal(map[string]string{"query": Query})
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = \"POST\"\nwrk.body = %s\n", luaString(string(body)))
	fmt.Fprintf(&b, "wrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = %s\n", luaString("Bearer "+token))
	b.WriteString("local targets = {")
	for _, u := range urls {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "{%s, %s}, ", luaString(pu.Hostname()), luaString(pu.Port()))
	}
	b.WriteString("}\nlocal n = 0\n")
	b.WriteString(`function setup(thread)
  local t = targets[(n % #targets) + 1]
  thread.addr = wrk.lookup(t[1], t[2])[1]
  n = n + 1
end
`)
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// luaString quotes s for Lua (a long bracket string cannot hold every s).
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range []byte(s) {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(r)
		case r < 0x20:
			fmt.Fprintf(&b, "\\%03d", r)
		default:
			b.WriteByte(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// runWrk runs wrk for d with c connections against target, and parses
// what it prints. It runs at least minThreads threads, so that the script
// can give each instance of a server its own.
func runWrk(ctx context.Context, wrk, target, script string, c int, d time.Duration, minThreads int) (wrkResult, error) {
	threads := max(min(c, 2), minThreads)
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	cmd := exec.CommandContext(ctx, wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(c), "-d", strconv.Itoa(secs)+"s",
		"--timeout", "10s", "--latency", "-s", script, target)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads wrk's --latency report.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var have50, haveRate bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && (f[0] == "50%" || f[0] == "90%" || f[0] == "99%"):
			d, err := parseWrkDuration(f[1])
			if err != nil {
				return r, err
			}
			switch f[0] {
			case "50%":
				r.p50, have50 = d, true
			case "90%":
				r.p90 = d
			case "99%":
				r.p99 = d
			}
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return r, err
			}
			r.requests = n
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return r, err
			}
			r.throughput, haveRate = v, true
		case len(f) == 5 && f[0] == "Non-2xx":
			n, _ := strconv.ParseInt(f[4], 10, 64)
			r.errors += n
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			// "Socket errors: connect 0, read 0, write 0, timeout 0"
			for i := 2; i+1 < len(f); i += 2 {
				n, _ := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				r.errors += n
			}
		}
	}
	if !have50 || !haveRate {
		return r, fmt.Errorf("wrk: no latency distribution or rate in its output: %s", out)
	}
	return r, nil
}

// parseWrkDuration reads wrk's "812.00us", "12.34ms", "1.02s", "2.00m".
func parseWrkDuration(s string) (time.Duration, error) {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("wrk duration %q: %w", s, err)
			}
			return time.Duration(f * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("wrk duration %q: unknown unit", s)
}
