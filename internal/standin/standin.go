// Package standin is the plain Go server the out-of-process benchmark
// measures groupgraph against: net/http and encoding/json, no GraphQL, no
// resilience layer, no store. For the benchmark's one query (the viewer's
// memberships: role, group provider, name, description, memberCount) it
// makes the upstream calls groupgraph makes, in the same two waves: every
// platform's list call at once, then the detail calls of the groups whose
// list entry lacks a field the query asks, four at a time per platform.
// Like groupgraph's shared cache, it keeps the details of groups the
// platform calls public, and asks again for every other group on every
// query.
//
// Whatever the request asks, it answers that query, as the one viewer whose
// accounts it was given: it is a yardstick, not a server.
package standin

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"
)

// Sandbox is what the stand-in needs of the simulators' description (the
// simulate command's GET /sandbox).
type Sandbox struct {
	Accounts []struct {
		Provider string `json:"provider"`
		UserID   string `json:"user_id"`
		Token    string `json:"token"`
		Secret   string `json:"secret"`
	} `json:"accounts"`
	ConfigYAML string `json:"config_yaml"`
}

// platformConfig is the providers section of ConfigYAML.
type platformConfig struct {
	Providers struct {
		Flickr struct {
			BaseURL        string `yaml:"base_url"`
			ConsumerKey    string `yaml:"consumer_key"`
			ConsumerSecret string `yaml:"consumer_secret"`
		} `yaml:"flickr"`
		Upcoming struct {
			BaseURL string `yaml:"base_url"`
			APIKey  string `yaml:"api_key"`
		} `yaml:"upcoming"`
		PageSeeder struct {
			BaseURL string `yaml:"base_url"`
		} `yaml:"pageseeder"`
		Akana struct {
			BaseURL string `yaml:"base_url"`
			Tenant  string `yaml:"tenant"`
		} `yaml:"akana"`
	} `yaml:"providers"`
}

// detailConcurrency is how many detail calls run at once per platform, as
// groupgraph's clients do.
const detailConcurrency = 4

// Server answers the query.
type Server struct {
	httpc   *http.Client
	cfg     platformConfig
	account map[string]struct{ userID, token, secret string }

	mu     sync.Mutex
	public map[string]detail // platform + "/" + group ID

	served atomic.Int64
}

// Served is how many queries the stand-in has answered, for the benchmark
// to count the queries of a window of its run.
func (s *Server) Served() int64 { return s.served.Load() }

// New builds the stand-in over the simulators sb describes.
func New(sb Sandbox) (*Server, error) {
	s := &Server{account: map[string]struct{ userID, token, secret string }{}, public: map[string]detail{}}
	if err := yaml.Unmarshal([]byte(sb.ConfigYAML), &s.cfg); err != nil {
		return nil, fmt.Errorf("standin: providers configuration: %w", err)
	}
	for _, a := range sb.Accounts {
		s.account[a.Provider] = struct{ userID, token, secret string }{a.UserID, a.Token, a.Secret}
	}
	for _, k := range []string{"flickr", "upcoming", "pageseeder", "akana"} {
		if _, ok := s.account[k]; !ok {
			return nil, fmt.Errorf("standin: no %s account", k)
		}
	}
	// A pool as large as the connections a load may hold at once, so that
	// the stand-in reuses its connections as a careful plain server would.
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}
	s.httpc = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	return s, nil
}

// membership is one node of the answer, with what the detail call needs.
type membership struct {
	Role  string `json:"role"`
	Group group  `json:"group"`

	platform string
	rank     int
	id       string
	userID   string
	// needs says the list entry lacks a field the query asks.
	needs bool
}

type group struct {
	Provider    string  `json:"provider"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	MemberCount *int    `json:"memberCount"`
}

// detail is what a detail call adds to a group.
type detail struct {
	description *string
	memberCount *int
	public      bool
}

// ServeHTTP answers the query.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	ms, err := s.memberships(r.Context())
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": err.Error()}}})
		return
	}
	var out struct {
		Data struct {
			Viewer struct {
				Memberships struct {
					Nodes []membership `json:"nodes"`
				} `json:"memberships"`
			} `json:"viewer"`
		} `json:"data"`
	}
	out.Data.Viewer.Memberships.Nodes = ms
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // as groupgraph writes it: the same bytes
	_ = enc.Encode(out)
	s.served.Add(1)
}

// memberships makes the list calls, then the detail calls, and returns
// the first 100 memberships by name, as groupgraph orders them.
func (s *Server) memberships(ctx context.Context) ([]membership, error) {
	lists := []func(context.Context) ([]membership, error){s.flickrList, s.upcomingList, s.pageseederList, s.akanaList}
	results := make([][]membership, len(lists))
	errs := make([]error, len(lists))
	var wg sync.WaitGroup
	for i, list := range lists {
		wg.Go(func() { results[i], errs[i] = list(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []membership
	for _, r := range results {
		all = append(all, r...)
	}
	slices.SortFunc(all, func(a, b membership) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Group.Name), strings.ToLower(b.Group.Name)),
			a.rank-b.rank, strings.Compare(a.id+"/"+a.userID, b.id+"/"+b.userID))
	})
	all = all[:min(len(all), 100)]
	if err := s.details(ctx, all); err != nil {
		return nil, err
	}
	return all, nil
}

// details fills in what the list calls lacked: from the kept details of
// public groups, or by a detail call, at most detailConcurrency at a time
// per platform, every platform at once.
func (s *Server) details(ctx context.Context, ms []membership) error {
	type job struct{ i int }
	byPlatform := map[string][]int{}
	for i := range ms {
		m := &ms[i]
		if !m.needs {
			continue
		}
		s.mu.Lock()
		d, ok := s.public[m.platform+"/"+m.id]
		s.mu.Unlock()
		if ok {
			apply(m, d)
			continue
		}
		byPlatform[m.platform] = append(byPlatform[m.platform], i)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for platform, idx := range byPlatform {
		sem := make(chan struct{}, detailConcurrency)
		for _, i := range idx {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				m := &ms[i]
				d, err := s.detail(ctx, platform, m.id)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if d.public {
					s.mu.Lock()
					s.public[platform+"/"+m.id] = d
					s.mu.Unlock()
				}
				apply(m, d)
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

func apply(m *membership, d detail) {
	if d.description != nil {
		m.Group.Description = d.description
	}
	if d.memberCount != nil {
		m.Group.MemberCount = d.memberCount
	}
}

func (s *Server) detail(ctx context.Context, platform, id string) (detail, error) {
	switch platform {
	case "flickr":
		return s.flickrDetail(ctx, id)
	case "pageseeder":
		return s.pageseederDetail(ctx, id)
	case "akana":
		return s.akanaDetail(ctx, id)
	}
	return detail{}, fmt.Errorf("standin: no detail call on %s", platform)
}

// get sends a GET and decodes its JSON answer into v.
func (s *Server) get(ctx context.Context, u string, header func(*http.Request), v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if header != nil {
		header(req)
	}
	resp, err := s.httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// flex is a value Flickr writes as a string, a number or {"_content": …}.
type flex string

func (f *flex) UnmarshalJSON(b []byte) error {
	var c struct {
		Content json.RawMessage `json:"_content"`
	}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &c); err != nil {
			return err
		}
		b = c.Content
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	*f = flex(s)
	return nil
}

func (f flex) int() (int, bool) {
	n, err := strconv.Atoi(string(f))
	return n, err == nil
}

// flickrCall signs a Flickr REST call with OAuth 1.0a (HMAC-SHA1), as
// Flickr requires of every call carrying a user's token.
func (s *Server) flickrCall(ctx context.Context, method string, args url.Values, v any) error {
	c := s.cfg.Providers.Flickr
	a := s.account["flickr"]
	args.Set("method", method)
	args.Set("format", "json")
	args.Set("nojsoncallback", "1")
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	args.Set("oauth_consumer_key", c.ConsumerKey)
	args.Set("oauth_nonce", hex.EncodeToString(nonce))
	args.Set("oauth_signature_method", "HMAC-SHA1")
	args.Set("oauth_timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	args.Set("oauth_version", "1.0")
	args.Set("oauth_token", a.token)
	// url.Values.Encode sorts by key; OAuth wants RFC 3986 escaping,
	// which differs from query escaping only in spaces.
	norm := strings.ReplaceAll(args.Encode(), "+", "%20")
	base := "GET&" + url.QueryEscape(c.BaseURL) + "&" + url.QueryEscape(norm)
	mac := hmac.New(sha1.New, []byte(url.QueryEscape(c.ConsumerSecret)+"&"+url.QueryEscape(a.secret)))
	mac.Write([]byte(base))
	args.Set("oauth_signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return s.get(ctx, c.BaseURL+"?"+args.Encode(), nil, v)
}

func (s *Server) flickrList(ctx context.Context) ([]membership, error) {
	a := s.account["flickr"]
	var r struct {
		Groups struct {
			Group []struct {
				NSID  string `json:"nsid"`
				Name  flex   `json:"name"`
				Admin flex   `json:"admin"`
			} `json:"group"`
		} `json:"groups"`
	}
	if err := s.flickrCall(ctx, "flickr.people.getGroups", url.Values{"user_id": {a.userID}, "extras": {"privacy,throttle,restrictions"}}, &r); err != nil {
		return nil, err
	}
	out := make([]membership, 0, len(r.Groups.Group))
	for _, g := range r.Groups.Group {
		role := "MEMBER"
		if g.Admin == "1" {
			role = "ADMIN"
		}
		// The list has no description: every group needs its getInfo.
		out = append(out, membership{Role: role, Group: group{Provider: "FLICKR", Name: string(g.Name)},
			platform: "flickr", rank: 0, id: g.NSID, userID: a.userID, needs: true})
	}
	return out, nil
}

func (s *Server) flickrDetail(ctx context.Context, id string) (detail, error) {
	var r struct {
		Group struct {
			Description *flex `json:"description"`
			Members     flex  `json:"members"`
			Privacy     flex  `json:"privacy"`
		} `json:"group"`
	}
	if err := s.flickrCall(ctx, "flickr.groups.getInfo", url.Values{"group_id": {id}}, &r); err != nil {
		return detail{}, err
	}
	var d detail
	if r.Group.Description != nil {
		desc := string(*r.Group.Description)
		d.description = &desc
	}
	if n, ok := r.Group.Members.int(); ok {
		d.memberCount = &n
	}
	d.public = r.Group.Privacy == "3"
	return d, nil
}

func (s *Server) upcomingList(ctx context.Context) ([]membership, error) {
	c := s.cfg.Providers.Upcoming
	a := s.account["upcoming"]
	var r struct {
		Rsp struct {
			Group []struct {
				ID          json.Number `json:"id"`
				Name        string      `json:"name"`
				Description string      `json:"description"`
				MemberCount *int        `json:"member_count"`
				Owner       json.Number `json:"owner_user_id"`
			} `json:"group"`
		} `json:"rsp"`
	}
	q := url.Values{"method": {"group.getMyGroups"}, "api_key": {c.APIKey}, "token": {a.token}, "format": {"json"}}
	if err := s.get(ctx, c.BaseURL+"?"+q.Encode(), nil, &r); err != nil {
		return nil, err
	}
	out := make([]membership, 0, len(r.Rsp.Group))
	for _, g := range r.Rsp.Group {
		role := "MEMBER"
		if g.Owner.String() == a.userID {
			role = "OWNER"
		}
		desc := g.Description
		out = append(out, membership{Role: role, Group: group{Provider: "UPCOMING", Name: g.Name, Description: &desc, MemberCount: g.MemberCount},
			platform: "upcoming", rank: 1, id: g.ID.String(), userID: a.userID})
	}
	return out, nil
}

func (s *Server) pageseederHeader(req *http.Request) {
	req.Header.Set("Authorization", "Bearer "+s.account["pageseeder"].token)
}

func (s *Server) pageseederList(ctx context.Context) ([]membership, error) {
	c := s.cfg.Providers.PageSeeder
	var r struct {
		Member struct {
			ID json.Number `json:"id"`
		} `json:"member"`
		Memberships []struct {
			Role    string `json:"role"`
			Status  string `json:"status"`
			Deleted bool   `json:"deleted"`
			Group   struct {
				ID          json.Number `json:"id"`
				Name        string      `json:"name"`
				Description *string     `json:"description"`
			} `json:"group"`
		} `json:"memberships"`
	}
	if err := s.get(ctx, strings.TrimSuffix(c.BaseURL, "/")+"/ps/service/self/memberships?subgroups=true", s.pageseederHeader, &r); err != nil {
		return nil, err
	}
	out := make([]membership, 0, len(r.Memberships))
	for _, m := range r.Memberships {
		if m.Deleted || m.Status == "disabled" {
			continue // a former membership
		}
		role := "MEMBER"
		switch m.Role {
		case "manager":
			role = "ADMIN"
		case "moderator", "approver", "moderator-and-approver":
			role = "MODERATOR"
		}
		// PageSeeder has no member count at all, in the list or the
		// details: only a group the list gives no description needs its
		// details, as groupgraph decides.
		out = append(out, membership{Role: role, Group: group{Provider: "PAGESEEDER", Name: m.Group.Name, Description: m.Group.Description},
			platform: "pageseeder", rank: 2, id: m.Group.ID.String(), userID: r.Member.ID.String(), needs: m.Group.Description == nil})
	}
	return out, nil
}

func (s *Server) pageseederDetail(ctx context.Context, id string) (detail, error) {
	var r struct {
		Description *string `json:"description"`
		Access      string  `json:"access"`
		Visibility  string  `json:"visibility"`
	}
	if err := s.get(ctx, strings.TrimSuffix(s.cfg.Providers.PageSeeder.BaseURL, "/")+"/ps/service/groups/"+url.PathEscape(id), s.pageseederHeader, &r); err != nil {
		return detail{}, err
	}
	return detail{description: r.Description, public: r.Visibility == "public"}, nil
}

func (s *Server) akanaHeader(req *http.Request) {
	req.AddCookie(&http.Cookie{Name: "AtmoAuthToken_" + s.cfg.Providers.Akana.Tenant, Value: s.account["akana"].token})
}

func (s *Server) akanaList(ctx context.Context) ([]membership, error) {
	a := s.account["akana"]
	var r struct {
		Channel struct {
			Item []struct {
				Title       string `json:"title"`
				Description string `json:"description"`
				Category    []struct {
					Value  string `json:"value"`
					Domain string `json:"domain"`
				} `json:"category"`
				GUID struct {
					Value string `json:"value"`
				} `json:"guid"`
			} `json:"item"`
		} `json:"channel"`
	}
	u := strings.TrimSuffix(s.cfg.Providers.Akana.BaseURL, "/") + "/api/users/" + url.PathEscape(a.userID) + "/groups"
	if err := s.get(ctx, u, s.akanaHeader, &r); err != nil {
		return nil, err
	}
	out := make([]membership, 0, len(r.Channel.Item))
	for _, it := range r.Channel.Item {
		role := "MEMBER"
		for _, c := range it.Category {
			if c.Domain == "uddi:soa.com:role" {
				switch strings.TrimPrefix(c.Value, "com.soa.group.membership.role.") {
				case "admin":
					role = "ADMIN"
				case "leader":
					role = "MODERATOR"
				}
			}
		}
		m := membership{Role: role, Group: group{Provider: "AKANA", Name: it.Title},
			platform: "akana", rank: 3, id: it.GUID.Value, userID: a.userID, needs: true}
		if it.Description != "" {
			d := it.Description
			m.Group.Description = &d
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Server) akanaDetail(ctx context.Context, id string) (detail, error) {
	var r struct {
		Description *string `json:"Description"`
		Visibility  string  `json:"Visibility"`
		MemberCount *int    `json:"MemberCount"`
	}
	u := strings.TrimSuffix(s.cfg.Providers.Akana.BaseURL, "/") + "/api/groups/" + url.PathEscape(id)
	if err := s.get(ctx, u, s.akanaHeader, &r); err != nil {
		return detail{}, err
	}
	return detail{description: r.Description, memberCount: r.MemberCount, public: r.Visibility == "Public"}, nil
}
