// Claim details on hover and click, and the answer filter. No library, no network.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("veracity-data").textContent);
  var popup = document.getElementById("popup");
  var pinned = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(mark) {
    var claims = data.answers[mark.dataset.answer] || [];
    popup.replaceChildren();
    mark.dataset.claims.split(" ").forEach(function (i) {
      var claim = claims[Number(i)];
      if (!claim) return;
      var score = claim.score === null ? "not checkable" : claim.score.toFixed(2);
      popup.appendChild(el("h4", "lbl-" + claim.label,
        claim.label + " · " + score + (claim.hedged ? " · hedged" : "")));
      popup.appendChild(el("div", "", claim.text));
      if (claim.reason) popup.appendChild(el("div", "meta", "reason: " + claim.reason));
      claim.evidence.forEach(function (ev) {
        var box = el("div", ev.decisive ? "ev decisive" : "ev");
        box.appendChild(el("div", "meta",
          (ev.decisive ? "decisive · " : "") + ev.source + " · " + ev.score.toFixed(3)));
        box.appendChild(el("div", "", ev.text));
        popup.appendChild(box);
      });
    });
    var box = mark.getBoundingClientRect();
    popup.style.left = Math.max(8, window.scrollX + box.left) + "px";
    popup.style.top = window.scrollY + box.bottom + 6 + "px";
    popup.classList.add("open");
  }

  function hide() { if (!pinned) popup.classList.remove("open"); }

  document.querySelectorAll("mark[data-claims]").forEach(function (mark) {
    mark.addEventListener("mouseenter", function () { if (!pinned) show(mark); });
    mark.addEventListener("mouseleave", hide);
    mark.addEventListener("focus", function () { show(mark); });
    mark.addEventListener("click", function (event) {
      event.stopPropagation();
      pinned = pinned === mark ? null : mark;
      if (pinned) show(mark); else hide();
    });
  });
  document.addEventListener("click", function () { pinned = null; hide(); });

  document.querySelectorAll(".toolbar button").forEach(function (button) {
    button.addEventListener("click", function () {
      var wanted = button.dataset.filter;
      document.querySelectorAll(".toolbar button").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === button));
      });
      document.querySelectorAll("article.card").forEach(function (card) {
        card.hidden = wanted !== "all" && card.dataset.state !== wanted;
      });
    });
  });

  // "#claim-3-1" opens answer 3's claim 1, as a click would: a link can point at a verdict.
  var target = /^#claim-(\w+)-(\d+)$/.exec(window.location.hash);
  if (target) {
    var mark = Array.prototype.find.call(
      document.querySelectorAll('mark[data-answer="' + target[1] + '"]'),
      function (m) { return m.dataset.claims.split(" ").indexOf(target[2]) >= 0; });
    if (mark) { pinned = mark; mark.scrollIntoView(); show(mark); }
  }
  document.documentElement.dataset.ready = "1";
})();
