package flickr

// The decoders as they were before they were made cheaper, kept as the
// reference the faster ones are checked against (FuzzDecodeMatchesReference):
// whatever the body, both must produce the same values and the same
// classified problems.

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
)

// refFlexString accepts a string, a number, a boolean, null or a
// {"_content": scalar} wrapper.
type refFlexString string

func (s *refFlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = refFlexString(v)
	case '{':
		inner, err := refUnwrapContent(b)
		if err != nil {
			return err
		}
		if inner == nil {
			*s = ""
			return nil
		}
		return s.UnmarshalJSON(inner)
	case 'n':
		*s = ""
	case 't', 'f':
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = refFlexString(strconv.FormatBool(v))
	case '[':
		return errors.New("a list where text was expected")
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = refFlexString(n.String())
	}
	return nil
}

// refFlexInt accepts a number, a numeric string, "" (zero), a boolean, null or a
// {"_content": scalar} wrapper.
type refFlexInt int

func (n *refFlexInt) UnmarshalJSON(b []byte) error {
	var s refFlexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	v, err := parseInt(string(s))
	if err != nil {
		return err
	}
	*n = refFlexInt(v)
	return nil
}

// refFlexBool accepts what refFlexInt accepts (non-zero is true) plus the words
// "true", "false", "yes", "no".
type refFlexBool bool

func (v *refFlexBool) UnmarshalJSON(b []byte) error {
	var s refFlexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "yes":
		*v = true
		return nil
	case "no":
		*v = false
		return nil
	}
	n, err := parseInt(string(s))
	if err != nil {
		return err
	}
	*v = n != 0
	return nil
}

// list accepts a JSON array, a bare object (a list of one), null or "" (an
// empty list).
type refList[T any] []T

func (l *refList[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '[':
		var v []T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = v
	case '{':
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = refList[T]{v}
	case 'n':
		*l = nil
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" {
			return errors.New("text where a list was expected")
		}
		*l = nil
	default:
		return errors.New("a scalar where a list was expected")
	}
	return nil
}

// refUnwrapContent returns the _content member of a {"_content": …} object,
// nil when it has none. Only scalars are accepted inside, so that nesting
// cannot recurse.
func refUnwrapContent(b []byte) ([]byte, error) {
	var w struct {
		Content json.RawMessage `json:"_content"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	c := bytes.TrimSpace(w.Content)
	if len(c) > 0 && (c[0] == '{' || c[0] == '[') {
		return nil, errors.New("nested _content")
	}
	if len(c) == 0 {
		return nil, nil
	}
	return c, nil
}

// refEnvelope is the part of every REST response that says whether it
// succeeded.
type refEnvelope struct {
	Stat    refFlexString `json:"stat"`
	Code    refFlexInt    `json:"code"`
	Message refFlexString `json:"message"`
}

// refDecodeREST checks a REST response body of method and decodes it into v.
// It tolerates a JSONP wrapper (the jsonFlickrApi(…) Flickr sends without
// nojsoncallback) and recognises the bodies Flickr sends outside its
// refEnvelope: raw oauth_problem reports and HTML error pages. A nil return
// means success.
func refDecodeREST(method string, body []byte, v any) *decodeProblem {
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	b = stripJSONP(b)
	if len(b) == 0 {
		return unavailable(method, "empty response body")
	}
	if b[0] != '{' {
		return nonJSON(method, b)
	}
	var env refEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		return unavailable(method, "malformed JSON response")
	}
	switch env.Stat {
	case "ok":
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(b, v); err != nil {
			return unavailable(method, "unexpected JSON response shape")
		}
		return nil
	case "fail":
		code := int(env.Code)
		apiErr := &APIError{Method: method, Code: code, Message: string(env.Message), StatusCode: 200}
		if code == 0 {
			apiErr.Message = "stat=fail without an error code"
			return &decodeProblem{kind: providers.ErrUnavailable, apiErr: apiErr}
		}
		return &decodeProblem{kind: codeKind(method, code), apiErr: apiErr}
	}
	return unavailable(method, "response without stat")
}

// The response types as they were, over the reference flex types.

type refGroupsResponse struct {
	Groups struct {
		Group refList[refListedGroup] `json:"group"`
	} `json:"groups"`
}

type refListedGroup struct {
	NSID           refFlexString    `json:"nsid"`
	ID             refFlexString    `json:"id"`
	Name           refFlexString    `json:"name"`
	IconFarm       refFlexInt       `json:"iconfarm"`
	IconServer     refFlexString    `json:"iconserver"`
	Admin          refFlexBool      `json:"admin"`
	EighteenPlus   refFlexBool      `json:"eighteenplus"`
	InvitationOnly refFlexBool      `json:"invitation_only"`
	Members        *refFlexInt      `json:"members"`
	PoolCount      *refFlexInt      `json:"pool_count"`
	Privacy        *refFlexInt      `json:"privacy"`
	Throttle       *refWireThrottle `json:"throttle"`
	Restrictions   *refWireRestrict `json:"restrictions"`
}

type refWireThrottle struct {
	Count     *refFlexInt   `json:"count"`
	Mode      refFlexString `json:"mode"`
	Remaining *refFlexInt   `json:"remaining"`
}

type refWireRestrict struct {
	PhotosOK     refFlexBool `json:"photos_ok"`
	VideosOK     refFlexBool `json:"videos_ok"`
	ImagesOK     refFlexBool `json:"images_ok"`
	ScreensOK    refFlexBool `json:"screens_ok"`
	ArtOK        refFlexBool `json:"art_ok"`
	VirtualOK    refFlexBool `json:"virtual_ok"`
	SafeOK       refFlexBool `json:"safe_ok"`
	ModerateOK   refFlexBool `json:"moderate_ok"`
	RestrictedOK refFlexBool `json:"restricted_ok"`
	HasGeo       refFlexBool `json:"has_geo"`
}

type refInfoResponse struct {
	Group refWireGroup `json:"group"`
}

type refWireGroup struct {
	ID             refFlexString    `json:"id"`
	NSID           refFlexString    `json:"nsid"`
	PathAlias      refFlexString    `json:"path_alias"`
	IconServer     refFlexString    `json:"iconserver"`
	IconFarm       refFlexInt       `json:"iconfarm"`
	Lang           refFlexString    `json:"lang"`
	PoolModerated  refFlexBool      `json:"ispoolmoderated"`
	EighteenPlus   refFlexBool      `json:"eighteenplus"`
	InvitationOnly refFlexBool      `json:"invitation_only"`
	IsMember       *refFlexBool     `json:"is_member"`
	IsModerator    *refFlexBool     `json:"is_moderator"`
	IsAdmin        *refFlexBool     `json:"is_admin"`
	IsFounder      *refFlexBool     `json:"is_founder"`
	Name           refFlexString    `json:"name"`
	Description    *refFlexString   `json:"description"`
	Rules          *refFlexString   `json:"rules"`
	Members        *refFlexInt      `json:"members"`
	PoolCount      *refFlexInt      `json:"pool_count"`
	TopicCount     *refFlexInt      `json:"topic_count"`
	Privacy        *refFlexInt      `json:"privacy"`
	DateCreate     refFlexString    `json:"datecreate"`
	Roles          *refWireRoles    `json:"roles"`
	Throttle       *refWireThrottle `json:"throttle"`
	Restrictions   *refWireRestrict `json:"restrictions"`
}

type refWireRoles struct {
	Member    refFlexString `json:"member"`
	Moderator refFlexString `json:"moderator"`
	Admin     refFlexString `json:"admin"`
}

type refTestLoginResponse struct {
	User struct {
		ID       refFlexString `json:"id"`
		Username refFlexString `json:"username"`
	} `json:"user"`
}
