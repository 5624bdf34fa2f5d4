// voicecoach serve: the page works without this; it adds the current spoken line shown large,
// chapter links that seek in place, and lock-screen metadata (Media Session API).
"use strict";
(function () {
  const audio = document.getElementById("player");
  if (!audio) return;
  const line = document.getElementById("line");
  const links = Array.from(document.querySelectorAll("a.chapter"));
  const starts = links.map((a) => parseFloat(a.dataset.start));

  // The captions track is read, not drawn: an <audio> element has nowhere to show captions.
  function follow(track) {
    track.mode = "hidden";
    track.addEventListener("cuechange", () => {
      const cue = track.activeCues && track.activeCues[0];
      if (cue) {
        line.textContent = cue.text;
        line.classList.toggle("long", cue.text.length > 90);  // the safety note, an intro
      }
    });
  }
  if (audio.textTracks.length) follow(audio.textTracks[0]);

  function seek(seconds) {
    audio.currentTime = seconds;
    const playing = audio.play();
    if (playing && playing.catch) playing.catch(() => {});
  }
  links.forEach((link, index) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      seek(starts[index]);
    });
  });

  function current() {
    let found = 0;
    starts.forEach((start, index) => { if (audio.currentTime + 0.25 >= start) found = index; });
    return found;
  }
  audio.addEventListener("timeupdate", () => {
    const now = current();
    links.forEach((link, index) => link.classList.toggle("now", index === now));
  });

  if ("mediaSession" in navigator && "MediaMetadata" in window) {
    navigator.mediaSession.metadata = new MediaMetadata({
      title: audio.dataset.title,
      artist: "voicecoach",
      album: "voicecoach back-care sessions",
      artwork: [{ src: new URL(audio.dataset.artwork, location.href).href, sizes: "1400x1400", type: "image/png" }],
    });
    const handlers = {
      previoustrack: () => seek(starts[Math.max(0, current() - (audio.currentTime - starts[current()] < 3 ? 1 : 0))]),
      nexttrack: () => { if (current() + 1 < starts.length) seek(starts[current() + 1]); },
      seekbackward: () => seek(Math.max(0, audio.currentTime - 15)),
      seekforward: () => seek(Math.min(audio.duration || 0, audio.currentTime + 15)),
    };
    Object.entries(handlers).forEach(([action, handler]) => {
      try { navigator.mediaSession.setActionHandler(action, handler); } catch (error) { /* not supported */ }
    });
  }
})();
