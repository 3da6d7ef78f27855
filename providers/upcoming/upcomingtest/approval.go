package upcomingtest

import (
	"net/http"
	"net/url"
)

// ApprovalPath is where the simulator serves the page a person approves an
// application on. Upcoming's own URL was never captured (its documentation
// is cut off there); the simulator reads the documented flow: the page
// identifies the application by api_key, and on approval sends the person
// to the callback URL registered for that key with a frob. Query
// parameters other than api_key (groupgraph passes state) are handed back
// unchanged, as a callback URL's own parameters would be.
const ApprovalPath = "/services/auth/"

// SetCallback registers an application's callback URL, as its owner would
// on the api key's page.
func (s *Server) SetCallback(apiKey, callbackURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbacks[apiKey] = callbackURL
}

// AutoApprove makes the approval page approve as userID without asking;
// 0 makes it deny every request.
func (s *Server) AutoApprove(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.approver = userID
}

func (s *Server) serveApproval(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	apiKey := q.Get("api_key")
	s.mu.Lock()
	callback, registered := s.callbacks[apiKey]
	known := s.apiKeys[apiKey]
	approver := s.approver
	s.mu.Unlock()
	if !known || !registered {
		http.Error(w, "Unknown application: the api_key is invalid or has no callback URL", http.StatusNotFound)
		return
	}
	u, err := url.Parse(callback)
	if err != nil {
		http.Error(w, "The application's callback URL is invalid", http.StatusInternalServerError)
		return
	}
	back := u.Query()
	for k, vs := range q {
		if k != "api_key" {
			back[k] = vs
		}
	}
	if approver != 0 {
		back.Set("frob", s.IssueFrob(apiKey, approver))
	}
	u.RawQuery = back.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}
