package nethttp_test

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// TestRegionStreamedThroughNginx: behind nginx as a reverse proxy, which buffers responses
// by default, the shell still arrives before Personyze answers, because a streaming page
// carries X-Accel-Buffering: no. nginx is Debian's, started by the test on a free
// loopback port with a temporary configuration; the test skips without it, and fails
// without it when CI is set.
func TestRegionStreamedThroughNginx(t *testing.T) {
	bin := findNginx(t)
	adaptertest.RegionStreamed(t, adaptertest.Adapter{Name: "nethttp-nginx", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		tpl := tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))
		mux := http.NewServeMux()
		mux.HandleFunc("GET /region", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = tpl.ExecuteTemplate(w, adaptertest.RegionTemplate, adaptertest.PageData("Region", core.FromContext(r.Context())))
		})
		app := httptest.NewServer(nethttp.Middleware(tr)(mux))
		t.Cleanup(app.Close)
		front := startNginx(t, bin, app.Listener.Addr().String())
		// The suite's server forwards to nginx without buffering of its own.
		proxy := httputil.NewSingleHostReverseProxy(front)
		proxy.FlushInterval = -1
		return proxy
	}}, adaptertest.StreamOptions{Proxy: true})
}

// findNginx returns Debian's nginx, or skips (fails when CI is set) without it.
func findNginx(t *testing.T) string {
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "no nginx found (tried nginx and /usr/sbin/nginx); install it with: apt-get install -y nginx"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, which makes this a failure)")
	}
	t.Skip(msg)
	return ""
}

// nginxConf proxies a loopback port to the app with nginx's defaults for proxied responses
// (proxy_buffering on) and gzip for HTML, as production configurations have it, everything
// it writes kept in its temporary prefix. So configured, nginx 1.22 holds a response until
// its end unless it carries X-Accel-Buffering: no (without the header this test fails: the
// client times out awaiting the headers).
const nginxConf = `daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	gzip on;
	gzip_types text/html;
	gzip_min_length 0;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen %[2]s;
		location / {
			proxy_pass http://%[3]s;
			proxy_http_version 1.1;
			proxy_set_header Host $http_host;
		}
	}
}
`

// startNginx starts nginx in front of upstream and returns its URL; it is stopped when the
// test ends.
func startNginx(t *testing.T, bin, upstream string) *url.URL {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nginx takes the port; another process taking it first fails the start below
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, addr, upstream), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s%s", out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &url.URL{Scheme: "http", Host: addr}
}
