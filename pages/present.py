"""Present mode: a lecture slide by slide with live figures; students follow the lecturer's room.

URL: ``/present?lecture=tilting&slide=3`` presents, ``/present?follow=CODE`` follows a room. The
room's key stays in this browser session's state: only this session can drive the room.
"""

import streamlit as st

from ui import lecture, present, sidebar, store, urlstate

sidebar.settings()
ss = st.session_state
LECTURE, SLIDE, FOLLOW, ROOM = "present_lecture", "present_slide", "present_follow", "present_room"
PUBLISHED, PINNED, NOTICE = "_present_published", "_present_pinned", "_present_notice"


def from_url(name: str) -> str | None:
    """The URL's ``name`` when it is not what this page last wrote there (a link was opened)."""
    raw, pinned = st.query_params.get(name), ss.setdefault(PINNED, {})
    if raw is not None and raw != pinned.get(name):
        pinned[name] = raw
        return raw
    return None


def pin(name: str, text: str | None) -> None:
    ss.setdefault(PINNED, {})[name] = text
    urlstate.pin(name, text)


def go(step: int) -> None:
    ss[SLIDE] = int(ss.get(SLIDE, 1)) + step


def leave() -> None:
    ss[LECTURE] = ss[FOLLOW] = None


def open_room(name: str) -> None:
    try:
        code, key = store.open_room(name)
    except Exception as err:  # noqa: BLE001 - no database: present anyway, without followers
        ss[NOTICE] = f"No room could be opened (the shared store did not answer: {type(err).__name__})."
        return
    ss[ROOM] = {"code": code, "key": key}
    ss.pop(PUBLISHED, None)


def start(name: str, with_room: bool) -> None:
    ss[LECTURE], ss[SLIDE], ss[FOLLOW] = name, 1, None
    if with_room and not ss.get(ROOM):
        open_room(name)


def join() -> None:
    code = present.room_code(ss.get("present_join", ""))
    if code is None:
        ss[NOTICE] = "A room code is 6 letters and digits, as shown on the lecturer's title slide."
    else:
        ss[FOLLOW] = code


def picker() -> None:
    st.title("Present a lecture")
    # Titles from the front matter: parsing every deck would import every figure's module (torch...).
    titles = {p.stem: present.lecture_title(p.read_text(encoding="utf-8"), p.stem) for p in lecture.lectures()}
    names = list(titles)
    if ss.get("present_pick") not in names:
        ss["present_pick"] = ss.get(LECTURE) if ss.get(LECTURE) in names else (names[0] if names else None)
    left, right = st.columns(2, gap="large")
    with left:
        choice = st.selectbox("Lecture", names, key="present_pick", format_func=titles.get)
        with_room = st.toggle("Open a room so students can follow on their phones", value=True,
                              key="present_with_room")
        st.button("Present this lecture", type="primary", icon=":material/slideshow:", key="present_start",
                  on_click=start, args=(choice, with_room), disabled=choice is None)
        st.caption("Keys while presenting: → / space / PageDown next, ← / PageUp back, f fullscreen, Esc leave.")
    with right:
        st.subheader("Join a room")
        st.text_input("Room code", key="present_join", max_chars=12, placeholder="ABC234")
        st.button("Join", key="present_join_go", icon=":material/group:", on_click=join)


def bar(slide: int, n: int, *, locked: bool, note: str = "") -> None:
    """Previous / counter / Next (the keyboard clicks these), then the room line and Leave."""
    c = st.columns([1.2, 1, 1.2, 5, 1.5], vertical_alignment="center")
    c[0].button("Back", key=present.PREV, icon=":material/arrow_back:", on_click=go, args=(-1,),
                disabled=locked or slide <= 1, width="stretch")
    with c[1], st.container(key=present.COUNTER):
        st.markdown(f"{slide} / {n}")
    c[2].button("Next", key=present.NEXT, icon=":material/arrow_forward:", on_click=go, args=(1,),
                disabled=locked or slide >= n, width="stretch")
    if note:
        c[3].markdown(note)
    if locked:
        c[3].button("Detach and explore", key="present_detach", icon=":material/explore:",
                    on_click=lambda: ss.update({FOLLOW: None}),
                    help="Stop following: keep this slide and move its sliders yourself.")
    c[4].button("Leave", key=present.LEAVE, icon=":material/close:", on_click=leave, width="stretch")


def show_slide(deck, name: str, slide: int, *, locked: bool, code: str | None) -> dict:
    with st.container(key="present_slide"):
        if slide == 1:
            base = present.site_base(st.context.url)
            link = present.follow_link(base, code) if code else present.lecture_link(base, name)
            present.title_slide(deck, link, code)
            if not code and not locked:
                st.button("Open a room for students", key="present_open_room", icon=":material/group_add:",
                          on_click=open_room, args=(name,))
            return {}
        return present.lecture_slide(deck.slides[slide - 2], slide, disabled=locked)


def publish(name: str, slide: int, values: dict) -> None:
    """Send the slide and its widget values to the room (only when they changed)."""
    state = present.room_state(name, slide, values)
    if not ss.get(ROOM) or state == ss.get(PUBLISHED):
        return
    try:
        store.publish(ss[ROOM]["code"], ss[ROOM]["key"], state)
        ss[PUBLISHED] = state
    except KeyError:
        ss.pop(ROOM)
        st.warning("The room has expired; open a new one on the title slide.", icon=":material/timer_off:")
    except Exception as err:  # noqa: BLE001 - keep presenting; followers catch up on the next change
        st.warning(f"Students' screens did not get this change ({type(err).__name__}).",
                   icon=":material/sync_problem:")


def load_or_explain(name) -> object | None:
    deck = lecture.load(name) if isinstance(name, str) and present.valid_lecture_name(name) else None
    if deck is None or not deck.slides:
        shown = f"`{name}`" if isinstance(name, str) and present.valid_lecture_name(name) else "in this link"
        st.error(f"There is no lecture {shown}. Pick one below.", icon=":material/error:")
        return None
    return deck


# ---- which view: a link or a click decides ---------------------------------------------------------
if (raw := from_url("follow")) is not None:
    ss[FOLLOW] = raw
if (raw := from_url("lecture")) is not None:
    ss[LECTURE], ss[SLIDE] = raw, 1     # a link to a lecture starts at its title, unless it names a slide
    if "follow" not in st.query_params:
        ss[FOLLOW] = None
if (raw := from_url("slide")) is not None:
    ss[SLIDE] = raw
if ss.get(NOTICE):
    st.warning(ss.pop(NOTICE), icon=":material/info:")

if ss.get(FOLLOW):
    code = present.room_code(ss[FOLLOW])
    try:
        state = store.current(code) if code else None
        problem = None if state else (f"No open room `{code}`: check the code; rooms close "
                                      f"{store.ROOM_TTL_S / 3600:g} h after the lecturer's last change."
                                      if code else "That is not a room code (6 letters and digits).")
    except Exception as err:  # noqa: BLE001 - the shared store is down: say so, keep the page usable
        state, problem = None, f"The room cannot be reached right now ({type(err).__name__}); try again."
    deck = None if problem else load_or_explain(state.get("lecture"))
    if deck is None:
        if problem:
            st.error(problem, icon=":material/group_off:")
        ss[FOLLOW] = None
        pin("follow", None)
        picker()
        st.stop()
    n = present.slide_count(deck)
    slide = present.parse_slide(state.get("slide", 1), n)
    prefix = f"pp_{slide}_"
    for key, value in (state.get("params") or {}).items():
        if isinstance(key, str) and key.startswith(prefix):
            ss[key] = value
    ss[LECTURE], ss[SLIDE] = state["lecture"], slide       # what "Detach and explore" keeps
    pin("follow", code)
    pin("lecture", None)
    pin("slide", None)
    present.chrome()
    bar(slide, n, locked=True, note=f"Following room `{code}`")
    present.poll(code, state)        # before the slide: a newer state interrupts a slow figure
    show_slide(deck, state["lecture"], slide, locked=True, code=code)
    st.stop()

name = ss.get(LECTURE)
deck = load_or_explain(name) if name else None
if deck is None:
    pin("lecture", None)
    pin("slide", None)
    picker()
    st.stop()

n = present.slide_count(deck)
ss[SLIDE] = slide = present.parse_slide(ss.get(SLIDE, 1), n)
pin("lecture", name)
pin("slide", str(slide))
pin("follow", None)
room = ss.get(ROOM)
present.chrome()
bar(slide, n, locked=False, note=f"Room `{room['code']}`: students follow this screen" if room else "")

# Publish before drawing (widget values are already in session state), so followers need not
# wait for this slide's figures to be computed; then once more with the values drawn.
publish(name, slide, {k: v for k, v in ss.to_dict().items() if k.startswith(f"pp_{slide}_")})
publish(name, slide, show_slide(deck, name, slide, locked=False, code=room["code"] if room else None))

