// Package providertest has what tests of providers and of their callers need:
// Memory, an in-memory Provider with injectable latency and failures and call
// counters, and Run, the conformance suite every real provider passes against
// its simulator.
package providertest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// Method names a Provider method, for counters and injected errors.
type Method string

// The Provider methods.
const (
	MethodWhoami        Method = "Whoami"
	MethodMemberships   Method = "Memberships"
	MethodGroupsByID    Method = "GroupsByID"
	MethodVisibleGroups Method = "VisibleGroups"
	MethodLeaveGroup    Method = "LeaveGroup"
)

// Call records one call to a Memory provider.
type Call struct {
	Method Method
	// IDs are the group IDs a GroupsByID or LeaveGroup call asked for.
	IDs []string
	// Start and End bracket the call, for overlap assertions.
	Start, End time.Time
}

// Memory is an in-memory Provider. Its data is a set of groups and of
// memberships per user; it implements the leave rules most platforms share
// (the last member leaving deletes the group, the last admin leaving
// promotes the oldest member). Configure it with the exported fields before
// use and through the methods afterwards; it is safe for concurrent use.
type Memory struct {
	// Platform is the Kind it reports.
	Platform providers.Kind
	// Caps are its capabilities; Leave false makes LeaveGroup unsupported.
	Caps providers.Capabilities
	// Latency is added to every call (respecting the context).
	Latency time.Duration
	// Token is the credential an account must present; empty accepts any.
	Token string

	mu      sync.Mutex
	users   map[string]providers.User
	groups  map[string]*providers.Group
	members map[string][]*member // by group ID, in join order
	errs    map[Method]error
	calls   []Call
}

type member struct {
	userID   string
	role     providers.Role
	joined   time.Time
	inherit  bool
	leavable bool
}

// NewMemory returns an empty Memory provider of the given kind that supports
// leaving and batched details. Its list call carries only each group's ID
// and name, its detail call every field.
func NewMemory(kind providers.Kind) *Memory {
	return &Memory{
		Platform: kind,
		Caps:     providers.Capabilities{Leave: true, BatchGroupDetails: true, VisibleGroups: true, DetailFields: providers.AllFields},
		users:    map[string]providers.User{},
		groups:   map[string]*providers.Group{},
		members:  map[string][]*member{},
		errs:     map[Method]error{},
	}
}

var _ providers.Provider = (*Memory)(nil)

// AddUser adds a user.
func (m *Memory) AddUser(u providers.User) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u.Provider = m.Platform
	m.users[u.ID] = u
}

// AddGroup adds a group (stored complete; list calls return it with only ID
// and Name, so that callers must load details for the rest).
func (m *Memory) AddGroup(g providers.Group) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g.Provider = m.Platform
	g.Complete = true
	m.groups[g.ID] = &g
}

// Join makes userID a member of groupID with role, at time joined.
func (m *Memory) Join(groupID, userID string, role providers.Role, joined time.Time) {
	m.join(groupID, userID, role, joined, false)
}

// JoinInherited adds a membership inherited through another group: listed,
// not leavable.
func (m *Memory) JoinInherited(groupID, userID string, role providers.Role, joined time.Time) {
	m.join(groupID, userID, role, joined, true)
}

func (m *Memory) join(groupID, userID string, role providers.Role, joined time.Time, inherited bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.members[groupID] = append(m.members[groupID], &member{userID: userID, role: role, joined: joined, inherit: inherited, leavable: !inherited})
}

// FailWith makes every later call of method fail with err (nil clears it).
func (m *Memory) FailWith(method Method, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		delete(m.errs, method)
		return
	}
	m.errs[method] = err
}

// Calls returns the calls made so far, in order of start.
func (m *Memory) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// CallsOf returns the calls of one method.
func (m *Memory) CallsOf(method Method) []Call {
	var out []Call
	for _, c := range m.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls forgets the recorded calls.
func (m *Memory) ResetCalls() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = nil
}

// Group returns a copy of a stored group.
func (m *Memory) Group(id string) (providers.Group, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.groups[id]
	if !ok {
		return providers.Group{}, false
	}
	return *g, true
}

// begin records a call, waits the latency and returns the injected error.
func (m *Memory) begin(ctx context.Context, method Method, acct providers.Account, ids ...string) (func(), error) {
	start := time.Now()
	m.mu.Lock()
	idx := len(m.calls)
	m.calls = append(m.calls, Call{Method: method, IDs: slices.Clone(ids), Start: start})
	injected := m.errs[method]
	m.mu.Unlock()
	end := func() {
		m.mu.Lock()
		m.calls[idx].End = time.Now()
		m.mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		end()
		return nil, providers.TransportError(string(m.Platform)+" "+string(method), err)
	}
	if m.Latency > 0 {
		t := time.NewTimer(m.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			end()
			return nil, providers.TransportError(string(m.Platform)+" "+string(method), ctx.Err())
		}
	}
	if injected != nil {
		end()
		return nil, injected
	}
	if acct.Provider != m.Platform {
		end()
		return nil, providers.ErrInvalid
	}
	if m.Token != "" && acct.Credentials.Token != m.Token {
		end()
		return nil, providers.ErrUnauthenticated
	}
	return end, nil
}

// Kind implements providers.Provider.
func (m *Memory) Kind() providers.Kind { return m.Platform }

// Capabilities implements providers.Provider.
func (m *Memory) Capabilities() providers.Capabilities { return m.Caps }

// Whoami implements providers.Provider.
func (m *Memory) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	end, err := m.begin(ctx, MethodWhoami, acct)
	if err != nil {
		return providers.User{}, err
	}
	defer end()
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[acct.UserID]
	if !ok {
		return providers.User{}, providers.ErrUnauthenticated
	}
	return u, nil
}

// Memberships implements providers.Provider.
func (m *Memory) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	end, err := m.begin(ctx, MethodMemberships, acct)
	if err != nil {
		return nil, err
	}
	defer end()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []providers.Membership
	for _, gid := range m.sortedGroupIDs() {
		for _, mem := range m.members[gid] {
			if mem.userID == acct.UserID {
				out = append(out, m.membership(m.groups[gid], mem))
			}
		}
	}
	return out, nil
}

func (m *Memory) sortedGroupIDs() []string {
	ids := make([]string, 0, len(m.groups))
	for id := range m.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (m *Memory) membership(g *providers.Group, mem *member) providers.Membership {
	joined := mem.joined
	status := providers.StatusActive
	return providers.Membership{
		Provider:       m.Platform,
		ID:             g.ID + "/" + mem.userID,
		UserID:         mem.userID,
		Group:          providers.Group{Provider: m.Platform, ID: g.ID, Name: g.Name},
		Role:           mem.role,
		ProviderRole:   string(mem.role),
		Status:         status,
		ProviderStatus: string(status),
		JoinedAt:       &joined,
		Inherited:      mem.inherit,
		Leavable:       mem.leavable && m.Caps.Leave,
	}
}

// GroupsByID implements providers.Provider.
func (m *Memory) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	end, err := m.begin(ctx, MethodGroupsByID, acct, ids...)
	if err != nil {
		return nil, err
	}
	defer end()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]*providers.Group, len(ids))
	for _, id := range ids {
		if g, ok := m.groups[id]; ok {
			c := *g
			out[id] = &c
		}
	}
	return out, nil
}

// VisibleGroups implements providers.Provider: every group the account is not
// a member of.
func (m *Memory) VisibleGroups(ctx context.Context, acct providers.Account) ([]providers.Group, error) {
	if !m.Caps.VisibleGroups {
		return nil, providers.ErrUnsupported
	}
	end, err := m.begin(ctx, MethodVisibleGroups, acct)
	if err != nil {
		return nil, err
	}
	defer end()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []providers.Group
	for _, gid := range m.sortedGroupIDs() {
		if m.find(gid, acct.UserID) < 0 {
			out = append(out, *m.groups[gid])
		}
	}
	return out, nil
}

func (m *Memory) find(groupID, userID string) int {
	return slices.IndexFunc(m.members[groupID], func(mem *member) bool { return mem.userID == userID })
}

// LeaveGroup implements providers.Provider with the Flickr and Upcoming rules.
func (m *Memory) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, _ providers.LeaveOptions) (providers.LeaveResult, error) {
	if !m.Caps.Leave {
		return providers.LeaveResult{}, providers.ErrUnsupported
	}
	end, err := m.begin(ctx, MethodLeaveGroup, acct, groupID)
	if err != nil {
		return providers.LeaveResult{}, err
	}
	defer end()
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.groups[groupID]
	if !ok {
		return providers.LeaveResult{}, providers.ErrNotFound
	}
	i := m.find(groupID, acct.UserID)
	if i < 0 {
		return providers.LeaveResult{}, providers.ErrNotMember
	}
	mem := m.members[groupID][i]
	if mem.inherit {
		return providers.LeaveResult{}, providers.ErrInherited
	}
	ended := m.membership(g, mem)
	ended.Status, ended.ProviderStatus = providers.StatusRemoved, string(providers.StatusRemoved)
	res := providers.LeaveResult{Membership: &ended}
	rest := slices.Delete(slices.Clone(m.members[groupID]), i, i+1)
	if len(rest) == 0 {
		delete(m.groups, groupID)
		delete(m.members, groupID)
		res.GroupDeleted = true
		return res, nil
	}
	m.members[groupID] = rest
	if isAdmin(mem.role) && !slices.ContainsFunc(rest, func(o *member) bool { return isAdmin(o.role) }) {
		oldest := slices.MinFunc(rest, func(a, b *member) int { return a.joined.Compare(b.joined) })
		oldest.role = providers.RoleAdmin
		res.PromotedUserID = oldest.userID
	}
	if g.MemberCount != nil {
		n := len(rest)
		g.MemberCount = &n
	}
	return res, nil
}

func isAdmin(r providers.Role) bool { return r == providers.RoleAdmin || r == providers.RoleOwner }
