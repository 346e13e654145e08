# Installed by `cmake --install` (install(SCRIPT) in CMakeLists.txt): the system integration
# files, placed for the prefix given at install time, so `--prefix` and DESTDIR both work and
# the unit's paths match where the binary went.
#
#   prefix /usr (the .deb):  /lib/systemd/system, /usr/lib/sysusers.d, /usr/lib/tmpfiles.d,
#                            /usr/share/dbus-1/system.d, /etc/latchkey/latchkey.conf (conffile)
#   any other prefix P:      P/lib/systemd/system, P/lib/sysusers.d, P/lib/tmpfiles.d (systemd
#                            reads these for P=/usr/local), /etc/dbus-1/system.d (the only
#                            other place dbus-daemon reads), the sample config as
#                            P/share/doc/latchkey/latchkey.conf (no config means the defaults)
#
# LK_SOURCE_DIR, LK_BINDIR_REL and LK_DOCDIR_REL are set by CMakeLists.txt; each directory can
# be overridden with -DLATCHKEY_<NAME>DIR=... at configure time (then it is used as given).
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(unitdir /lib/systemd/system)
  set(sysusersdir /usr/lib/sysusers.d)
  set(tmpfilesdir /usr/lib/tmpfiles.d)
  set(dbusdir /usr/share/dbus-1/system.d)
  set(confdir /etc/latchkey)
else()
  set(unitdir "${prefix}/lib/systemd/system")
  set(sysusersdir "${prefix}/lib/sysusers.d")
  set(tmpfilesdir "${prefix}/lib/tmpfiles.d")
  set(dbusdir /etc/dbus-1/system.d)
  set(confdir "${prefix}/${LK_DOCDIR_REL}")
endif()
foreach(d UNIT SYSUSERS TMPFILES DBUS CONF)
  string(TOLOWER ${d} l)
  if(LK_${d}DIR_OVERRIDE)
    set(${l}dir "${LK_${d}DIR_OVERRIDE}")
  endif()
endforeach()

set(LK_BINDIR "${prefix}/${LK_BINDIR_REL}")
set(LK_DOCDIR "${prefix}/${LK_DOCDIR_REL}")
set(gen "${LK_BINARY_DIR}/packaging")
file(MAKE_DIRECTORY "${gen}")
configure_file("${LK_SOURCE_DIR}/packaging/systemd/latchkey.service.in" "${gen}/latchkey.service" @ONLY)
configure_file("${LK_SOURCE_DIR}/packaging/systemd/latchkey.sysusers" "${gen}/latchkey.conf" COPYONLY)

file(INSTALL DESTINATION "${unitdir}" TYPE FILE FILES "${gen}/latchkey.service")
file(INSTALL DESTINATION "${sysusersdir}" TYPE FILE FILES "${gen}/latchkey.conf")
file(INSTALL DESTINATION "${tmpfilesdir}" TYPE FILE
     FILES "${LK_SOURCE_DIR}/packaging/systemd/latchkey.tmpfiles" RENAME latchkey.conf)
file(INSTALL DESTINATION "${dbusdir}" TYPE FILE FILES "${LK_SOURCE_DIR}/packaging/dbus/latchkey.conf")
file(INSTALL DESTINATION "${confdir}" TYPE FILE FILES "${LK_SOURCE_DIR}/packaging/latchkey.conf")
if(NOT prefix STREQUAL "/usr" AND NOT prefix STREQUAL "/usr/local" AND NOT LK_UNITDIR_OVERRIDE)
  message(STATUS "latchkey: systemd does not look in ${unitdir}; enable the unit with: "
                 "systemctl link ${unitdir}/latchkey.service")
endif()
