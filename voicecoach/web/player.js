// voicecoach serve: the page works without this; it adds the current spoken line shown large,
// chapter links that seek in place, and the lock screen and headset buttons (Media Session API).
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

  // The lock screen and a headset: what plays (the exercise as the title, changed at each
  // chapter), whether it plays, where it is, and the buttons (next and previous move by exercise).
  if ("mediaSession" in navigator && "MediaMetadata" in window) {
    const session = navigator.mediaSession;
    const titles = links.map((link) => {
      const at = link.querySelector(".at");
      return link.textContent.replace(at ? at.textContent : "", "").trim();
    });
    let shown = -1;
    function describe() {
      const now = current();
      if (now === shown) return;
      shown = now;
      session.metadata = new MediaMetadata({
        title: titles[now] || audio.dataset.title,
        artist: "voicecoach",
        album: audio.dataset.title,
        artwork: [{ src: new URL(audio.dataset.artwork, location.href).href, sizes: "1400x1400", type: "image/png" }],
      });
    }
    function place() {
      if (!("setPositionState" in session) || !isFinite(audio.duration)) return;
      try {
        session.setPositionState({ duration: audio.duration, playbackRate: audio.playbackRate,
                                   position: Math.min(audio.currentTime, audio.duration) });
      } catch (error) { /* a position the browser refuses: the scrubber stays as it was */ }
    }
    function state() {
      session.playbackState = audio.paused ? "paused" : "playing";
      place();
    }
    describe();
    audio.addEventListener("play", state);
    audio.addEventListener("playing", state);
    audio.addEventListener("pause", state);
    audio.addEventListener("ended", state);
    audio.addEventListener("loadedmetadata", place);
    audio.addEventListener("seeked", () => { describe(); place(); });
    audio.addEventListener("timeupdate", describe);
    const handlers = {
      play: () => seek(audio.currentTime),
      pause: () => audio.pause(),
      stop: () => { audio.pause(); },
      previoustrack: () => seek(starts[Math.max(0, current() - (audio.currentTime - starts[current()] < 3 ? 1 : 0))]),
      nexttrack: () => { if (current() + 1 < starts.length) seek(starts[current() + 1]); },
      seekbackward: () => seek(Math.max(0, audio.currentTime - 15)),
      seekforward: () => seek(Math.min(audio.duration || 0, audio.currentTime + 15)),
      seekto: (details) => {
        if (details.fastSeek && "fastSeek" in audio) audio.fastSeek(details.seekTime);
        else audio.currentTime = details.seekTime;
        place();
      },
    };
    Object.entries(handlers).forEach(([action, handler]) => {
      try { session.setActionHandler(action, handler); } catch (error) { /* not supported */ }
    });
  }
})();
