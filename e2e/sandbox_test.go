package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sandboxToken reads the sandbox viewer's token from the banner.
func sandboxToken(t *testing.T, stdout *syncBuffer) string {
	t.Helper()
	m := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no token in the banner: %s", stdout.String())
	}
	return m[1]
}

// boundedPost is post with a deadline of its own, for tests that send
// requests from several goroutines.
func boundedPost(url, token, query string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", strings.NewReader(`{"query":`+quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func resetSandboxAt(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/sandbox/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset: %s", resp.Status)
	}
}

func TestSandboxResetForgetsCachedGroupDetails(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0")
	token := sandboxToken(t, stdout)
	// Sandbox Darkroom: four members, the viewer its last admin.
	id := encodeForTest("gg1:flickr:Group:90000000001@N20")
	members := func() string {
		_, body := post(t, url, token, `{ node(id: "`+id+`") { ... on Group { memberCount } } }`)
		return body
	}
	seeded := members()
	if !strings.Contains(seeded, `"memberCount":4`) {
		t.Fatalf("seeded group: %s", seeded)
	}
	if _, body := post(t, url, token, `mutation { leaveGroup(input: {groupId: "`+id+`"}) { errors { code } } }`); !strings.Contains(body, `"errors":[]`) {
		t.Fatalf("leave: %s", body)
	}
	if left := members(); !strings.Contains(left, `"memberCount":3`) {
		t.Fatalf("after the leave: %s", left)
	}
	resetSandboxAt(t, url)
	if after := members(); after != seeded {
		t.Fatalf("after the reset %s, want the seed data %s", after, seeded)
	}
}

func TestSandboxResetWaitsForQueriesInFlight(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0", "-sandbox-latency", "20ms")
	token := sandboxToken(t, stdout)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 3 {
		wg.Go(func() {
			for !stop.Load() {
				status, body, err := boundedPost(url, token, `{ viewer { memberships(first: 100) { incompleteProviders totalCount } } }`)
				if err != nil || status != http.StatusOK || strings.Contains(body, `"errors"`) {
					mu.Lock()
					failures = append(failures, body+errString(err))
					mu.Unlock()
				}
			}
		})
	}
	for range 5 {
		time.Sleep(30 * time.Millisecond) // let queries start against the current simulators
		resetSandboxAt(t, url)
	}
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d queries failed around a reset, e.g. %s", len(failures), failures[0])
	}
	_, body := post(t, url, token, `{ viewer { accounts { provider status } } }`)
	if strings.Contains(body, "NEEDS_RELINK") {
		t.Fatalf("a reset left accounts needing a relink: %s", body)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestTheSandboxLeavesRedisAlone checks that a sandbox started where
// REDIS_URL names a deployment's Redis does not write simulated groups,
// budgets or rate limits into it.
func TestTheSandboxLeavesRedisAlone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var connections atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			c.Close()
		}
	}()
	getenv := envOf("REDIS_URL", "redis://"+ln.Addr().String()+"/0")
	url, stdout, _ := startRunEnv(t, getenv, "-sandbox", "-listen", "127.0.0.1:0")
	if _, body, err := boundedPost(url, sandboxToken(t, stdout), `{ viewer { memberships(first: 100) { totalCount } } }`); err != nil || strings.Contains(body, `"errors"`) {
		t.Fatalf("query: %v %s", err, body)
	}
	if n := connections.Load(); n > 0 {
		t.Fatalf("the sandbox connected to REDIS_URL %d times", n)
	}
}

// TestShutdownCutsRequestsThatOutlastTheGrace checks that when the grace
// period ends, the requests still running are cut off, rather than left
// running against a store and simulators that are being closed.
func TestShutdownCutsRequestsThatOutlastTheGrace(t *testing.T) {
	url, stdout, stop := startRun(t, "-sandbox", "-listen", "127.0.0.1:0", "-sandbox-latency", "8s", "-shutdown-timeout", "100ms")
	token := sandboxToken(t, stdout)
	done := make(chan error, 1)
	connected := make(chan struct{})
	go func() {
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { close(connected) },
		})
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql",
			strings.NewReader(`{"query":"{ viewer { memberships(first: 1) { totalCount } } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		// A transport of its own: a fresh connection, not one a later
		// request could take.
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := tr.RoundTrip(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	// The slow query is in flight once the server has accepted its
	// connection: the listener accepts connections in the order they were
	// made, so a request on a connection made after it having been answered
	// says so, whatever the machine's speed. (A fixed sleep instead let a
	// slow machine shut down before the query arrived, with nothing to cut.)
	select {
	case <-connected:
	case err := <-done:
		t.Fatalf("the slow query failed before connecting: %v", err)
	}
	if status, body := post(t, url, "", "{ __typename }"); status != http.StatusOK {
		t.Fatalf("a quick query while the slow one runs: %d %s", status, body)
	}
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "grace") {
		t.Errorf("run returned %v, want an error saying requests outlasted the grace period", err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the slow query was answered, not cut off")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the slow query is still running after run returned")
	}
}
