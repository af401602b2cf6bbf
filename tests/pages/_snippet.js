// The documented coveoua snippet, loading coveo.analytics from the test server (never a CDN).
// Pages set window.LIB (library URL) and window.ENDPOINT (2nd argument of init, or null for the default).
(function(c,o,v,e,O,u,a){
a='coveoua';c[a]=c[a]||function(){(c[a].q=c[a].q|| []).push(arguments)};
c[a].t=Date.now();u=o.createElement(v);u.async=1;u.src=e;
O=o.getElementsByTagName(v)[0];O.parentNode.insertBefore(u,O)
})(window,document,'script',window.LIB || '/vendor/coveoua.js');
if (window.ENDPOINT === null) coveoua('init', 'xx-test-token-7d1e');
else coveoua('init', 'xx-test-token-7d1e', window.ENDPOINT || 'https://testorg.analytics.org.coveo.com');
function logSvc(action, data, ticket, type) {
  coveoua('svc:setAction', action, data);
  coveoua('svc:setTicket', ticket || {subject: 'GC110'});
  coveoua('send', 'event', 'svc', type || 'click', {searchHub: 'test_hub'});
}
