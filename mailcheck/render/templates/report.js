/* mailcheck report script: allowed by its hash in the CSP; the page works without it.
   Opens collapsed parts for printing, and adds a Copy button to command blocks. */
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
  if (!navigator.clipboard) { return; }
  var copy = document.body.getAttribute("data-copy") || "Copy";
  var copied = document.body.getAttribute("data-copied") || "Copied";
  document.querySelectorAll("pre.code").forEach(function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = copy;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pre.querySelector("code").textContent).then(function () {
        button.textContent = copied;
      });
    });
    pre.appendChild(button);
  });
})();
