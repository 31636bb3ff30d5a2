package core

// A Personyze session belongs to one user_id. The cookie remembers which user_id its
// session was issued to (session.State.SessionUser); when the visitor's identity changes
// (signed in, signed out, another user), the user_id of the page's call is another one, and
// the call starts a new session instead of carrying the earlier identity's: as if this
// user had just arrived on this device. Visit.StartNewSession stays for other occasions.

// ownSession starts a new Personyze session for the page's call when the cookie's session
// was issued to another user_id: the call sends no session id and asks for a new session,
// whose id replaces the earlier identity's when it arrives. A cookie that does not say
// whose its session is (written before the library kept it) is taken to be the visitor's.
// The earlier identity's statuses held for its next call stay with its user_id (see
// delivery.Held). Callers hold v.mu.
func (v *Visit) ownSession() {
	if v.sessionIsOwn() {
		return
	}
	// Without a session id the call asks for a new session (see needsNewSession).
	v.state.SessionID, v.state.SessionUser = "", 0
	v.dirty = true
}

// sessionIsOwn reports whether the cookie's session, if any, belongs to the visitor's
// current user_id. Callers hold v.mu.
func (v *Visit) sessionIsOwn() bool {
	st := &v.state
	return st.SessionID == "" || st.SessionUser == 0 || st.SessionUser == v.facts.UserID
}

// adoptLatest carries the newest session id this process knows for the visitor (see
// latestSessions) when the cookie's session is theirs; another identity's session is
// replaced by a new one anyway (ownSession). Callers hold v.mu.
func (v *Visit) adoptLatest() {
	if !v.sessionIsOwn() {
		return
	}
	if sid := v.t.latest.newer(v.facts.UserID, v.state.SessionID); sid != "" {
		v.updateSession(sid) // an answer for this user that came after their cookie was written
	}
}
