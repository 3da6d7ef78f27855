// Package loadtest builds the fixtures and drives the load scenarios that
// measure groupgraph against its platforms' simulators: every simulator on a
// loopback port with an exact, generated set of viewers and memberships,
// injected latency, and a count of the calls that reach each platform, by
// kind of call. The benchmarks, the fault tests and `groupgraph load` share it, so
// that what CI asserts and what BENCHMARKS.md reports are the same thing.
//
// The package knows nothing of how groupgraph is wired: callers hand it a
// Build function that turns a configuration into the HTTP handler.
package loadtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

// Options shape a Fixture.
type Options struct {
	// Viewers is how many viewers to create (default 1). Each has an
	// account on every platform in Kinds.
	Viewers int
	// Memberships is how many groups each viewer belongs to on each
	// platform (default 25). Every viewer belongs to the same groups, all
	// public, each with another member (its founder), so that a leave
	// neither deletes the group nor promotes anyone.
	Memberships int
	// Latency is added to every simulator answer, plus a uniformly random
	// Jitter.
	Latency, Jitter time.Duration
	// Kinds are the platforms to simulate (default all four).
	Kinds []providers.Kind
}

// Op is a kind of upstream call.
type Op string

// The calls a fixture counts.
const (
	// OpList lists an account's memberships.
	OpList Op = "list"
	// OpDetail fetches group details: one call per group, or one batch.
	OpDetail Op = "detail"
	// OpWrite changes something (leave, join).
	OpWrite Op = "write"
	// OpOther is anything else: sign-in, token refresh, session renewal.
	OpOther Op = "other"
)

// Count is what reached one platform.
type Count struct {
	// Calls by kind of call.
	Calls map[Op]int
	// DetailIDs is how many group IDs the detail calls asked for (an
	// Upcoming batch asks for many in one call).
	DetailIDs int
}

// Total is every call of c.
func (c Count) Total() int {
	n := 0
	for _, v := range c.Calls {
		n += v
	}
	return n
}

// Fixture is a set of running, seeded simulators.
type Fixture struct {
	opts    Options
	cfg     config.Providers
	viewers []*providers.Viewer
	faults  map[providers.Kind]*fault.Injector
	servers []*http.Server

	flickr     *flickrtest.Simulator
	upcoming   *upcomingtest.Server
	pageseeder *pageseedertest.Server
	akana      *akanatest.Server

	mu     sync.Mutex
	counts map[providers.Kind]*Count
}

// Start builds and serves the simulators of opts.
func Start(opts Options) (*Fixture, error) {
	if opts.Viewers <= 0 {
		opts.Viewers = 1
	}
	if opts.Memberships < 0 {
		opts.Memberships = 0
	} else if opts.Memberships == 0 {
		opts.Memberships = 25
	}
	if len(opts.Kinds) == 0 {
		opts.Kinds = providers.Kinds
	}
	f := &Fixture{opts: opts, faults: map[providers.Kind]*fault.Injector{}, counts: map[providers.Kind]*Count{}}
	for i := range opts.Viewers {
		f.viewers = append(f.viewers, &providers.Viewer{ID: fmt.Sprintf("viewer-%d", i+1), Name: fmt.Sprintf("Viewer %d", i+1)})
	}
	for _, k := range opts.Kinds {
		f.counts[k] = &Count{Calls: map[Op]int{}}
		var err error
		switch k {
		case providers.Flickr:
			err = f.startFlickr()
		case providers.Upcoming:
			err = f.startUpcoming()
		case providers.PageSeeder:
			err = f.startPageSeeder()
		case providers.Akana:
			err = f.startAkana()
		default:
			err = fmt.Errorf("loadtest: no simulator for %s", k)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	for _, in := range f.faults {
		in.Set(fault.Config{Latency: opts.Latency, Jitter: opts.Jitter})
	}
	return f, nil
}

// serve puts h, counted as platform k, on a loopback port and returns its
// base URL.
func (f *Fixture) serve(k providers.Kind, h http.Handler, classify func(*http.Request) (Op, int)) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("loadtest %s: %w", k, err)
	}
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ids := classify(r)
		f.mu.Lock()
		c := f.counts[k]
		c.Calls[op]++
		if op == OpDetail {
			c.DetailIDs += ids
		}
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: counted, ReadHeaderTimeout: 5 * time.Second}
	f.servers = append(f.servers, srv)
	go func() {
		labelGoroutine("simulator")
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), nil
}

// restMethod classifies Flickr's and Upcoming's REST gateways, which name
// the method in a parameter: reads are GETs with it in the query.
func restMethod(list, detail, idParam string) func(*http.Request) (Op, int) {
	return func(r *http.Request) (Op, int) {
		if r.Method != http.MethodGet {
			return OpWrite, 0
		}
		q := r.URL.Query()
		switch q.Get("method") {
		case list:
			return OpList, 0
		case detail:
			return OpDetail, len(strings.Split(q.Get(idParam), ","))
		}
		return OpOther, 0
	}
}

func (f *Fixture) startFlickr() error {
	sim := flickrtest.New()
	sim.AddApp(flickrtest.SandboxConsumerKey, flickrtest.SandboxConsumerSecret)
	created := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC)
	founder := "1@N01"
	sim.AddUser(flickrtest.User{NSID: founder, Username: "founder", Realname: "Founder"})
	roles := flickrtest.Roles{Member: "Member", Moderator: "Moderator", Admin: "Administrator"}
	for g := range f.opts.Memberships {
		id := fmt.Sprintf("%d@N20", 90000000+g)
		sim.AddGroup(flickrtest.Group{
			NSID: id, Name: fmt.Sprintf("Flickr group %04d", g), Description: "A generated public group.",
			Lang: "en-us", IconFarm: 1, IconServer: "1", Privacy: 3, Created: created, Roles: roles,
			Throttle: flickrtest.Throttle{Mode: "day", Count: 3}, Restrictions: flickrtest.Restrictions{PhotosOK: true, SafeOK: true},
			FounderID: founder, OtherMembers: 100, OtherPhotos: 1000,
		})
		sim.AddMember(id, flickrtest.Member{UserID: founder, Role: flickrtest.RoleAdmin, Joined: created})
	}
	for i, v := range f.viewers {
		nsid := fmt.Sprintf("%d@N07", 30000000+i)
		sim.AddUser(flickrtest.User{NSID: nsid, Username: fmt.Sprintf("viewer%d", i+1), Realname: v.Name})
		tok := fmt.Sprintf("72157600%09d-loadtest", i+1)
		sim.AddToken(flickrtest.Token{Token: tok, Secret: "loadtest-secret", ConsumerKey: flickrtest.SandboxConsumerKey, UserID: nsid, Perms: flickrtest.PermDelete})
		for g := range f.opts.Memberships {
			sim.AddMember(fmt.Sprintf("%d@N20", 90000000+g), flickrtest.Member{UserID: nsid, Role: flickrtest.RoleMember, Joined: created.AddDate(0, 0, 1+g%300)})
		}
		v.Accounts = append(v.Accounts, providers.Account{
			ID: v.ID + "-flickr", Provider: providers.Flickr, UserID: nsid, DisplayName: v.Name,
			Credentials: providers.Credentials{Token: tok, Secret: "loadtest-secret"},
		})
	}
	base, err := f.serve(providers.Flickr, sim, restMethod("flickr.people.getGroups", "flickr.groups.getInfo", "group_id"))
	if err != nil {
		return err
	}
	f.flickr = sim
	f.faults[providers.Flickr] = sim.Faults()
	f.cfg.Flickr = &config.Flickr{
		Upstream:    config.Upstream{BaseURL: base + "/services/rest"},
		OAuthURL:    base + "/services/oauth",
		ConsumerKey: flickrtest.SandboxConsumerKey, ConsumerSecret: flickrtest.SandboxConsumerSecret,
	}
	return nil
}

func (f *Fixture) startUpcoming() error {
	sim := upcomingtest.New()
	const apiKey = "loadtest-upcoming-key"
	sim.AddAPIKey(apiKey)
	created := time.Date(2007, 1, 1, 12, 0, 0, 0, time.UTC)
	const founder int64 = 1
	sim.AddUser(upcomingtest.User{ID: founder, Username: "founder", Name: "Founder"})
	for g := range f.opts.Memberships {
		id := int64(5000 + g)
		sim.AddGroup(upcomingtest.Group{
			ID: id, Name: fmt.Sprintf("Upcoming group %04d", g), Description: "A generated public group.",
			ModerationLevel: "unmoderated", Created: created, OwnerUserID: founder,
		})
		sim.AddMember(id, founder, created, true)
	}
	for i, v := range f.viewers {
		uid := int64(100000 + i)
		sim.AddUser(upcomingtest.User{ID: uid, Username: fmt.Sprintf("viewer%d", i+1), Name: v.Name})
		for g := range f.opts.Memberships {
			sim.AddMember(int64(5000+g), uid, created.Add(time.Duration(1+g)*time.Hour), false)
		}
		tok := fmt.Sprintf("%040d", uid)
		sim.SetToken(tok, apiKey, uid)
		v.Accounts = append(v.Accounts, providers.Account{
			ID: v.ID + "-upcoming", Provider: providers.Upcoming, UserID: fmt.Sprint(uid), DisplayName: v.Name,
			Credentials: providers.Credentials{Token: tok},
		})
	}
	base, err := f.serve(providers.Upcoming, sim, restMethod("group.getMyGroups", "group.getInfo", "group_id"))
	if err != nil {
		return err
	}
	f.upcoming = sim
	f.faults[providers.Upcoming] = sim.Faults()
	f.cfg.Upcoming = &config.Upcoming{Upstream: config.Upstream{BaseURL: base + upcomingtest.Path}, SiteURL: base + "/", APIKey: apiKey}
	return nil
}

func (f *Fixture) startPageSeeder() error {
	sim := pageseedertest.New()
	sim.AddClient(pageseedertest.OAuthClient{
		ID: pageseedertest.SandboxClientID, Secret: pageseedertest.SandboxClientSecret,
		Grant: "authorization_code", RedirectURL: pageseedertest.SandboxRedirectURL,
	})
	created := time.Date(2015, 1, 1, 12, 0, 0, 0, time.UTC)
	const founder int64 = 1
	sim.AddMember(pageseedertest.Member{ID: founder, Username: "founder", Firstname: "Fay", Surname: "Founder", Email: "founder@example.test"})
	for g := range f.opts.Memberships {
		id := int64(7000 + g)
		name := fmt.Sprintf("acme-group%04d", g)
		sim.AddGroup(pageseedertest.Group{
			ID: id, Name: name, Type: "group", Title: name, Description: "A generated public group.", Owner: "ACME",
			Access: "public", VisibleTo: "public", Template: "acme", Commenting: "contributor", Moderation: "none",
			Registration: "normal", DefaultRole: "reviewer", DefaultNotify: "daily", IndexVersion: 1,
		})
		sim.AddMembership(pageseedertest.Membership{GroupID: id, MemberID: founder, Role: "manager", Created: created})
	}
	for i, v := range f.viewers {
		mid := int64(100000 + i)
		sim.AddMember(pageseedertest.Member{ID: mid, Username: fmt.Sprintf("viewer%d", i+1), Firstname: "Viewer", Surname: fmt.Sprint(i + 1), Email: fmt.Sprintf("viewer%d@example.test", i+1)})
		for g := range f.opts.Memberships {
			sim.AddMembership(pageseedertest.Membership{GroupID: int64(7000 + g), MemberID: mid, Role: "contributor", Created: created.Add(time.Duration(1+g) * time.Hour)})
		}
		v.Accounts = append(v.Accounts, providers.Account{
			ID: v.ID + "-pageseeder", Provider: providers.PageSeeder, UserID: fmt.Sprint(mid), DisplayName: v.Name,
			Credentials: sim.IssueToken(mid, pageseedertest.SandboxClientID),
		})
	}
	base, err := f.serve(providers.PageSeeder, sim, func(r *http.Request) (Op, int) {
		p := strings.TrimSuffix(r.URL.Path, ".json")
		switch {
		case strings.HasPrefix(p, "/ps/oauth/"):
			return OpOther, 0
		case r.Method != http.MethodGet:
			return OpWrite, 0
		case strings.HasSuffix(p, "/memberships"):
			return OpList, 0
		case strings.Count(strings.TrimPrefix(p, "/ps/service/groups/"), "/") == 0 && strings.HasPrefix(p, "/ps/service/groups/"):
			return OpDetail, 1
		}
		return OpOther, 0
	})
	if err != nil {
		return err
	}
	f.pageseeder = sim
	f.faults[providers.PageSeeder] = sim.Faults()
	f.cfg.PageSeeder = &config.PageSeeder{
		Upstream: config.Upstream{BaseURL: base}, ClientID: pageseedertest.SandboxClientID,
		ClientSecret: pageseedertest.SandboxClientSecret, RedirectURL: pageseedertest.SandboxRedirectURL,
	}
	return nil
}

func (f *Fixture) startAkana() error {
	tenant := akanatest.DefaultTenant
	sim := akanatest.New(akanatest.Options{Tenant: tenant, SessionTTL: 24 * time.Hour})
	created := time.Date(2018, 1, 1, 12, 0, 0, 0, time.UTC)
	founder := "00000000-0000-0000-0000-000000000001." + tenant
	if err := sim.AddUser(akanatest.User{ID: founder, Email: "founder@example.test", Name: "Founder", UserName: "founder"}); err != nil {
		return err
	}
	for g := range f.opts.Memberships {
		id := fmt.Sprintf("group%d.%s", 9000+g, tenant)
		if err := sim.AddGroup(akanatest.Group{ID: id, Name: fmt.Sprintf("Akana group %04d", g), Description: "A generated public group.",
			Visibility: akanatest.VisibilityPublic, Created: created, CreatedBy: founder}); err != nil {
			return err
		}
		if err := sim.SetMembership(id, founder, akanatest.RoleLeader, akanatest.StateApproved); err != nil {
			return err
		}
	}
	for i, v := range f.viewers {
		uid := fmt.Sprintf("00000000-0000-0000-0001-%012d.%s", i+1, tenant)
		if err := sim.AddUser(akanatest.User{ID: uid, Email: fmt.Sprintf("viewer%d@example.test", i+1), Name: v.Name, UserName: fmt.Sprintf("viewer%d", i+1)}); err != nil {
			return err
		}
		for g := range f.opts.Memberships {
			// Leaders, so that a leave is allowed (Akana lets only
			// leaders remove members).
			if err := sim.SetMembership(fmt.Sprintf("group%d.%s", 9000+g, tenant), uid, akanatest.RoleLeader, akanatest.StateApproved); err != nil {
				return err
			}
		}
		acct, err := sim.Account(v.ID+"-akana", uid)
		if err != nil {
			return err
		}
		v.Accounts = append(v.Accounts, acct)
	}
	base, err := f.serve(providers.Akana, sim, func(r *http.Request) (Op, int) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/api/login"):
			return OpOther, 0
		case r.Method != http.MethodGet:
			return OpWrite, 0
		case strings.HasPrefix(p, "/api/users/") && strings.HasSuffix(p, "/groups"):
			return OpList, 0
		case strings.HasPrefix(p, "/api/groups/") && strings.Count(p, "/") == 3:
			return OpDetail, 1
		}
		return OpOther, 0
	})
	if err != nil {
		return err
	}
	f.akana = sim
	f.faults[providers.Akana] = sim.Faults()
	f.cfg.Akana = &config.Akana{Upstream: config.Upstream{BaseURL: base}, Tenant: tenant}
	return nil
}

// Providers returns the provider configuration pointing at the simulators.
// Each call returns a fresh copy, so callers may tune it.
func (f *Fixture) Providers() config.Providers {
	var p config.Providers
	if c := f.cfg.Flickr; c != nil {
		cc := *c
		p.Flickr = &cc
	}
	if c := f.cfg.Upcoming; c != nil {
		cc := *c
		p.Upcoming = &cc
	}
	if c := f.cfg.PageSeeder; c != nil {
		cc := *c
		p.PageSeeder = &cc
	}
	if c := f.cfg.Akana; c != nil {
		cc := *c
		p.Akana = &cc
	}
	return p
}

// Viewers returns the viewers, keyed by their bearer token ("token-1", …).
func (f *Fixture) Viewers() map[string]*providers.Viewer {
	out := make(map[string]*providers.Viewer, len(f.viewers))
	for i, v := range f.viewers {
		out[Token(i)] = v
	}
	return out
}

// Token is the bearer token of viewer i (from 0).
func Token(i int) string { return fmt.Sprintf("token-%d", i+1) }

// Kinds returns the simulated platforms.
func (f *Fixture) Kinds() []providers.Kind { return f.opts.Kinds }

// Faults returns platform k's fault injector.
func (f *Fixture) Faults(k providers.Kind) *fault.Injector { return f.faults[k] }

// Counts returns what reached each platform since the last ResetCounts.
func (f *Fixture) Counts() map[providers.Kind]Count {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[providers.Kind]Count, len(f.counts))
	for k, c := range f.counts {
		cc := Count{Calls: make(map[Op]int, len(c.Calls)), DetailIDs: c.DetailIDs}
		for op, n := range c.Calls {
			cc.Calls[op] = n
		}
		out[k] = cc
	}
	return out
}

// ResetCounts zeroes the call counts.
func (f *Fixture) ResetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.counts {
		f.counts[k] = &Count{Calls: map[Op]int{}}
	}
}

// Rejoin makes viewer i (from 0) a member again of every fixture group of
// platform k it left, so that the next leave is a real one. Only Flickr and
// Upcoming are supported.
func (f *Fixture) Rejoin(k providers.Kind, i int) error {
	v := f.viewers[i]
	acct, _ := v.Account(k)
	created := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC)
	switch k {
	case providers.Flickr:
		for g := range f.opts.Memberships {
			id := fmt.Sprintf("%d@N20", 90000000+g)
			if !containsFlickr(f.flickr.Members(id), acct.UserID) {
				f.flickr.AddMember(id, flickrtest.Member{UserID: acct.UserID, Role: flickrtest.RoleMember, Joined: created})
			}
		}
		return nil
	case providers.Upcoming:
		var uid int64
		_, _ = fmt.Sscan(acct.UserID, &uid)
		for g := range f.opts.Memberships {
			id := int64(5000 + g)
			if !containsUpcoming(f.upcoming.Members(id), uid) {
				f.upcoming.AddMember(id, uid, created, false)
			}
		}
		return nil
	}
	return fmt.Errorf("loadtest: rejoin on %s is not supported", k)
}

func containsFlickr(ms []flickrtest.Member, id string) bool {
	for _, m := range ms {
		if m.UserID == id {
			return true
		}
	}
	return false
}

func containsUpcoming(ms []upcomingtest.Member, id int64) bool {
	for _, m := range ms {
		if m.UserID == id {
			return true
		}
	}
	return false
}

// Close stops the simulators.
func (f *Fixture) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range f.servers {
		_ = s.Shutdown(ctx)
		// Shutdown leaves alone a connection the client dialed but has
		// not used yet (a transport may dial ahead); close those too.
		_ = s.Close()
	}
}
