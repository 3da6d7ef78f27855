package outbench

import (
	"os"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

const wrkOutput = `Running 5s test @ http://127.0.0.1:41234/graphql
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    88.12ms   20.01ms 301.22ms   70.00%
    Req/Sec   280.50     40.10   350.00     66.00%
  Latency Distribution
     50%   85.50ms
     75%   97.10ms
     90%  110.20ms
     99%    1.02s
  2805 requests in 5.00s, 21.90MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    560.70
Transfer/sec:      4.38MB
`

func TestWrksReportIsRead(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{requests: 2805, errors: 7, throughput: 560.70,
		p50: 85500 * time.Microsecond, p90: 110200 * time.Microsecond, p99: 1020 * time.Millisecond}
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
}

func TestAWrkReportWithoutLatenciesIsAnError(t *testing.T) {
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"); err == nil {
		t.Error("no error")
	}
}

func TestCPUTimeIsReadFromProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here:", err)
	}
	t0, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn CPU until the kernel's count moves past t0: it must, in ticks.
	x := 0
	for {
		for i := range 1_000_000 {
			x += i
		}
		t1, err := cpuTime(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if t1 > t0 {
			break
		}
	}
	_ = x
}

func TestLuaStringsKeepTheQueryIntact(t *testing.T) {
	if got, want := luaString("a\"b\\c\nd"), `"a\"b\\c\010d"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestMediansOfRounds(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {nil, 0}} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}

func TestTheRequestCounterIsSummedOverItsSeries(t *testing.T) {
	text := `# HELP groupgraph_requests_total GraphQL requests.
# TYPE groupgraph_requests_total counter
groupgraph_requests_total{operation="Memberships",outcome="ok"} 1200
groupgraph_requests_total{operation="Memberships",outcome="error"} 3
groupgraph_requests_total_other 99
groupgraph_request_duration_seconds_count{operation="Memberships"} 1203
`
	got, err := sumCounter(text, "groupgraph_requests_total")
	if err != nil || got != 1203 {
		t.Errorf("got %d, %v; want 1203", got, err)
	}
}

func TestTheTwoWaveFloorIsTheListCallsThenTheDetailCalls(t *testing.T) {
	calls := map[providers.Kind]float64{providers.Flickr: 3, providers.Upcoming: 1, providers.PageSeeder: 4, providers.Akana: 4}
	p50, p99 := TwoWaveFloor(20*time.Millisecond, 0, calls)
	if p50 != 40*time.Millisecond || p99 != 40*time.Millisecond {
		t.Errorf("without jitter: p50 %v, p99 %v; want two calls of 20 ms", p50, p99)
	}
	one, _ := TwoWaveFloor(20*time.Millisecond, 0, map[providers.Kind]float64{providers.Upcoming: 1})
	if one != 20*time.Millisecond {
		t.Errorf("list calls only: %v, want one wave of 20 ms", one)
	}
}
