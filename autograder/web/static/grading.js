// Keyboard shortcuts on the grading page (served as a file: the page's CSP allows no inline script).
// 1-9 toggle the rubric item with that number, j / k open the next / previous answer,
// c puts the cursor in the comment box. Keys typed into a text field are left alone.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
  var item = document.querySelector('button.item[data-key="' + event.key + '"]');
  if (item) { event.preventDefault(); item.click(); return; }
  var link = { j: "next", k: "prev" }[event.key];
  if (link && document.getElementById(link)) { event.preventDefault(); document.getElementById(link).click(); return; }
  if (event.key === "c" && document.getElementById("comment")) { event.preventDefault(); document.getElementById("comment").focus(); }
});
