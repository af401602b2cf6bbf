// The documented coveoua snippet, loading coveo.analytics from the test server (never a CDN).
// Pages set window.LIB (library URL) and window.ENDPOINT (2nd argument of init, or null for the default);
// window.STUB names the stub otherwise than coveoua (a defect: the library replays coveoua's queue only).
var STUB = window.STUB || 'coveoua';
(function(c,o,v,e,O,u,a){
a=STUB;c[a]=c[a]||function(){(c[a].q=c[a].q|| []).push(arguments)};
c[a].t=Date.now();u=o.createElement(v);u.async=1;u.src=e;
O=o.getElementsByTagName(v)[0];O.parentNode.insertBefore(u,O)
})(window,document,'script',window.LIB || '/vendor/coveoua.js');
if (window.ENDPOINT === null) window[STUB]('init', 'xx-test-token-7d1e');
else window[STUB]('init', 'xx-test-token-7d1e', window.ENDPOINT || 'https://testorg.analytics.org.coveo.com');
function logSvc(action, data, ticket, type) {
  window[STUB]('svc:setAction', action, data);
  window[STUB]('svc:setTicket', ticket || {subject: 'GC110'});
  window[STUB]('send', 'event', 'svc', type || 'click', {searchHub: 'test_hub'});
}
