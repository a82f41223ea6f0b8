# The Debian package, built, checked, installed and run: CPack builds the .deb from the build tree
# into a temporary folder; its control fields, file list (paths, owners, modes) and Depends are
# checked; `dpkg-deb -x` installs it into a temporary root (no root rights needed); the installed
# `motionprobe` runs its scripted mode (offscreen) on the packaged toy model and example, and the
# installed `motionprobe-cli` prints its version. Finally the packaged toy model is corrupted and the
# CLI must fail on that very file: the binaries read the package's resources, not the source tree
# (io/resources.cpp searches $MOTIONPROBE_RESOURCES, then ../share/motionprobe/resources beside the
# executable, then the source tree the build came from).
# Run by CTest: cmake -DBUILD_DIR=... -DWORK_DIR=... -DCPACK=... -DVERSION=... -P this file.
cmake_minimum_required(VERSION 3.25)  # script mode: IN_LIST and today's policies
set(app_id org.motionprobe.Workbench)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_checked what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
        WORKING_DIRECTORY "${WORK_DIR}")
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
    endif()
    set(out "${out}" PARENT_SCOPE)
endfunction()

# --- Build the package (DEB only; the staging area stays in WORK_DIR, not the build tree).
run_checked("cpack -G DEB" "${CPACK}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake"
    -B "${WORK_DIR}/cpack")
file(GLOB debs "${WORK_DIR}/cpack/*.deb")
list(LENGTH debs n)
if(NOT n EQUAL 1)
    message(FATAL_ERROR "cpack made ${n} .deb files: ${debs}")
endif()
set(deb "${debs}")
file(SIZE "${deb}" size)
message(STATUS "${deb}: ${size} bytes")

# --- Control fields.
run_checked("dpkg --print-architecture" dpkg --print-architecture)
string(STRIP "${out}" arch)
foreach(field Package Version Architecture Maintainer Section Description Depends)
    run_checked("dpkg-deb -f ${field}" dpkg-deb -f "${deb}" ${field})
    string(STRIP "${out}" ${field})
    if(${field} STREQUAL "")
        message(FATAL_ERROR "the control file has no ${field}")
    endif()
endforeach()
if(NOT Package STREQUAL "motionprobe")
    message(FATAL_ERROR "Package is '${Package}', not motionprobe")
endif()
if(NOT Version MATCHES "^${VERSION}-[0-9]+$")
    message(FATAL_ERROR "Version is '${Version}', not ${VERSION}-<revision>")
endif()
if(NOT Architecture STREQUAL arch)
    message(FATAL_ERROR "Architecture is '${Architecture}', dpkg says ${arch}")
endif()
message(STATUS "Depends: ${Depends}")

# --- Files: everything a user needs, owned by root, 0755 directories and programs, 0644 data.
run_checked("dpkg-deb -c" dpkg-deb -c "${deb}")
string(REPLACE "\n" ";" entries "${out}")
set(listed "")
foreach(e IN LISTS entries)
    if(e STREQUAL "")
        continue()
    endif()
    if(NOT e MATCHES "^([-dl][rwx-]+) ([^ ]+) +[0-9]+ [0-9-]+ [0-9:]+ \\./(.*)$")
        message(FATAL_ERROR "unexpected dpkg-deb -c line: ${e}")
    endif()
    set(mode "${CMAKE_MATCH_1}")
    set(owner "${CMAKE_MATCH_2}")
    set(path "${CMAKE_MATCH_3}")
    string(REGEX REPLACE "/$" "" path "${path}")
    list(APPEND listed "${path}")
    if(path MATCHES "^usr/bin/.")
        set(want "-rwxr-xr-x")
    elseif(mode MATCHES "^d")
        set(want "drwxr-xr-x")
    else()
        set(want "-rw-r--r--")
    endif()
    if(NOT owner STREQUAL "root/root" OR NOT mode STREQUAL want)
        message(FATAL_ERROR "/${path} is ${mode} ${owner}, want ${want} root/root")
    endif()
    if(NOT path MATCHES "^(usr|usr/(bin|share)(/.*)?)?$")
        message(FATAL_ERROR "/${path} is outside /usr/bin and /usr/share")
    endif()
endforeach()
foreach(f usr/bin/motionprobe usr/bin/motionprobe-cli usr/bin/motionprobe-cli-engine
        usr/share/motionprobe/resources/models/toy/t2v/model_index.json
        usr/share/motionprobe/resources/models/toy/clip
        usr/share/motionprobe/resources/examples/toy-tgve
        usr/share/applications/${app_id}.desktop
        usr/share/metainfo/${app_id}.metainfo.xml
        usr/share/icons/hicolor/scalable/apps/${app_id}.svg
        usr/share/icons/hicolor/32x32/apps/${app_id}.png
        usr/share/icons/hicolor/64x64/apps/${app_id}.png
        usr/share/icons/hicolor/128x128/apps/${app_id}.png
        usr/share/icons/hicolor/256x256/apps/${app_id}.png)
    if(NOT f IN_LIST listed)
        message(FATAL_ERROR "the package lacks /${f}")
    endif()
endforeach()

# --- Install into a temporary root.
set(root "${WORK_DIR}/root")
run_checked("dpkg-deb -x" dpkg-deb -x "${deb}" "${root}")

# --- Depends names the package of every library the programs link (dpkg-shlibdeps skips
# libraries it has no information on, which would leave the package uninstallable).
string(REGEX REPLACE "\\([^)]*\\)" "" deps "${Depends}")
string(REGEX REPLACE "[ \t]" "" deps "${deps}")
string(REGEX REPLACE "[,|]" ";" deps "${deps}")
string(REGEX REPLACE ":any" "" deps "${deps}")
foreach(exe motionprobe motionprobe-cli motionprobe-cli-engine)
    run_checked("objdump -p ${exe}" objdump -p "${root}/usr/bin/${exe}")
    string(REGEX MATCHALL "NEEDED +[^\n]+" needed "${out}")
    run_checked("ldd ${exe}" ldd "${root}/usr/bin/${exe}")
    set(ldd_out "${out}")
    foreach(n IN LISTS needed)
        string(REGEX REPLACE "NEEDED +" "" lib "${n}")
        string(STRIP "${lib}" lib)
        string(REPLACE "+" "\\+" lib_re "${lib}")
        string(REPLACE "." "\\." lib_re "${lib_re}")
        # "libfoo.so.1 => /path (0x...)", or "/path (0x...)" for the dynamic loader.
        if(ldd_out MATCHES "[\t ]${lib_re} => ([^ ]+) ")
            set(lib_path "${CMAKE_MATCH_1}")
        elseif(ldd_out MATCHES "[\t ](/[^ ]*/${lib_re}) ")
            set(lib_path "${CMAKE_MATCH_1}")
        else()
            message(FATAL_ERROR "${exe}: ldd does not resolve ${lib}:\n${ldd_out}")
        endif()
        # Merged /usr: dpkg knows a file under /lib or /usr/lib, whichever its package shipped.
        string(REGEX REPLACE "^/usr/" "/" other "${lib_path}")
        if(other STREQUAL lib_path)
            set(other "/usr${lib_path}")
        endif()
        file(REAL_PATH "${lib_path}" real)
        set(owner "")
        foreach(p "${lib_path}" "${other}" "${real}")
            execute_process(COMMAND dpkg -S "${p}" RESULT_VARIABLE rc OUTPUT_VARIABLE o
                ERROR_QUIET)
            if(rc EQUAL 0 AND o MATCHES "^([^:,]+)")
                set(owner "${CMAKE_MATCH_1}")
                break()
            endif()
        endforeach()
        if(owner STREQUAL "")
            message(FATAL_ERROR "${exe} links ${lib_path}, which no Debian package ships")
        endif()
        if(NOT owner IN_LIST deps)
            message(FATAL_ERROR "${exe} links ${lib} from ${owner}, missing in Depends: ${Depends}")
        endif()
    endforeach()
endforeach()

# --- Desktop file and AppStream metainfo, with the validators where installed (optional).
find_program(DESKTOP_FILE_VALIDATE desktop-file-validate)
if(DESKTOP_FILE_VALIDATE)
    run_checked("desktop-file-validate" ${DESKTOP_FILE_VALIDATE}
        "${root}/usr/share/applications/${app_id}.desktop")
else()
    message(STATUS "desktop-file-validate not found (desktop-file-utils): not validated")
endif()
find_program(APPSTREAMCLI appstreamcli)
if(APPSTREAMCLI)
    run_checked("appstreamcli validate" ${APPSTREAMCLI} validate --no-net
        "${root}/usr/share/metainfo/${app_id}.metainfo.xml")
else()
    message(STATUS "appstreamcli not found (appstream): metainfo not validated")
endif()

# --- Run the installed programs with nothing of this machine's session: no resource override,
# no library or plugin paths, fresh settings and store, started outside the source tree.
unset(ENV{MOTIONPROBE_RESOURCES})
unset(ENV{LD_LIBRARY_PATH})
unset(ENV{QT_PLUGIN_PATH})
set(ENV{QT_QPA_PLATFORM} offscreen)
set(ENV{HOME} "${WORK_DIR}/home")
set(ENV{XDG_CONFIG_HOME} "${WORK_DIR}/home/.config")
set(ENV{XDG_DATA_HOME} "${WORK_DIR}/home/.local/share")
set(ENV{XDG_CACHE_HOME} "${WORK_DIR}/home/.cache")
set(ENV{MOTIONPROBE_STORE} "${WORK_DIR}/store.sqlite")
execute_process(
    COMMAND "${root}/usr/bin/motionprobe" --demo 1 --run probe --steps 2 --interval 500
            --screenshots "${WORK_DIR}/shots" --quit
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the installed motionprobe exited with ${rc}:\n${out}\n${err}")
endif()
foreach(shot probe tradeoff compare experiments)
    set(png "${WORK_DIR}/shots/${shot}.png")
    if(EXISTS "${png}")
        file(READ "${png}" magic LIMIT 8 HEX)
    endif()
    if(NOT EXISTS "${png}" OR NOT magic STREQUAL "89504e470d0a1a0a")
        message(FATAL_ERROR "the installed motionprobe wrote no ${shot}.png:\n${err}")
    endif()
endforeach()
run_checked("motionprobe-cli version" "${root}/usr/bin/motionprobe-cli" version)
if(NOT out MATCHES "motionprobe-cli ${VERSION}\n")
    message(FATAL_ERROR "motionprobe-cli version printed:\n${out}")
endif()
message(STATUS "installed and ran:\n${out}")

# --- The package's own resources are the ones read: with the packaged toy model's index broken,
# the CLI's default model must fail on that file (the source tree's copy is intact).
set(toy "${root}/usr/share/motionprobe/resources/models/toy/t2v")
file(WRITE "${toy}/model_index.json" "broken by install_and_run")
execute_process(
    COMMAND "${root}/usr/bin/motionprobe-cli" generate --prompt "a red square" --steps 1
            --frames 2 --quiet --out "${WORK_DIR}/tampered.safetensors"
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
string(FIND "${err}" "${toy}" named)
if(rc EQUAL 0 OR named EQUAL -1)
    message(FATAL_ERROR "with the packaged toy model broken, motionprobe-cli generate exited "
        "with ${rc} and did not name the package's file, so it read another copy:\n${out}\n${err}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
